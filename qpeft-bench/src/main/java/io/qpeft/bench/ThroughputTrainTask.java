package io.qpeft.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.Binding;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingBatch;
import io.qpeft.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench-train --task throughput}: (query, passage) pairs and tokens per second of a training
 * step (forward + backward) against the straightforward way in the same run, on random models of
 * real shapes (GPT-2 small, Qwen3-0.6B), with each way's peak memory.
 *
 * <ul>
 *   <li><b>qpeft</b>: the Trainer's step. The step's pairs share forward passes of at most {@code
 *       --batch-tokens} padded tokens (longest first, as scoring plans them), and only the rows
 *       that predict a target token meet the LM head.
 *   <li><b>reference</b>: what reference training code does: each pair in its own forward pass,
 *       logits over the whole vocabulary at every position, one graph, one backward.
 * </ul>
 *
 * Both compute the same loss and gradient; the largest gradient difference is printed as a check.
 */
@Command(
    name = "bench-train --task throughput",
    description =
        "Training pairs/s and tokens/s (forward + backward) against the straightforward way"
            + " (full-vocabulary logits, one pair at a time) on random models of real shapes,"
            + " and peak memory.")
final class ThroughputTrainTask implements BenchTrainTask {
  @Option(
      names = "--tokenizer",
      required = true,
      paramLabel = "DIR",
      description = "A model folder with a tokenizer.json (its ids must fit every shape's vocab).")
  Path tokenizerDir;

  @Option(
      names = "--shapes",
      defaultValue = "gpt2-small,qwen3-0.6b",
      split = ",",
      description =
          "Model shapes: gpt2-small, qwen3-0.6b, llama-135m, llama-0.5b (default ${DEFAULT-VALUE}).")
  List<String> shapes;

  @Option(
      names = "--variants",
      defaultValue = "retrieval",
      split = ",",
      description = "Adapters trained: retrieval, attention, prompt (default ${DEFAULT-VALUE}).")
  List<String> variants;

  @Option(
      names = "--steps",
      defaultValue = "2",
      description = "Timed steps per way, after one warm-up step (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--batch-queries",
      defaultValue = "2",
      description = "Queries per step (default ${DEFAULT-VALUE}).")
  int batchQueries;

  @Option(
      names = "--hard-negatives",
      defaultValue = "1",
      description =
          "Hard negatives per query; in-batch negatives as training (default ${DEFAULT-VALUE}).")
  int hardNegatives;

  @Option(
      names = "--passage-words",
      defaultValue = "100",
      description = "Words per passage (default ${DEFAULT-VALUE}).")
  int passageWords;

  @Option(
      names = "--batch-tokens",
      defaultValue = "8192",
      description = "qpeft: padded tokens per forward pass of a step (default ${DEFAULT-VALUE}).")
  int batchTokens;

  @Option(
      names = "--no-reference",
      description = "Measure qpeft's step only (the reference is slow at large shapes).")
  boolean noReference;

  @Override
  public void run(PrintWriter out, PrintWriter err) {
    if (steps <= 0) throw new IllegalArgumentException("--steps must be positive, got " + steps);
    List<BenchShape> parsed = shapes.stream().map(s -> BenchShape.parse(s.strip())).toList();
    try (TextTokenizer tok = TextTokenizer.load(tokenizerDir)) {
      out.printf(
          Locale.ROOT,
          "training step throughput: %d queries/step, %d hard negative(s) + in-batch negatives, "
              + "%d-word passages, %d PyTorch thread(s); random weights%n",
          batchQueries,
          hardNegatives,
          passageWords,
          JniUtils.getNumThreads());
      out.println(
          "| shape | variant | way | pairs/step | tokens/step | pairs/s | tokens/s | speed-up | s/step | peak RSS |");
      out.println("|---|---|---|---|---|---|---|---|---|---|");
      out.flush();
      for (BenchShape shape : parsed) {
        long t0 = System.nanoTime();
        try (TransformerLm lm = Models.random(shape.config, 1)) {
          err.printf(
              Locale.ROOT,
              "%s: %,d parameters, built in %.1f s%n",
              shape,
              lm.parameterCount(),
              (System.nanoTime() - t0) / 1e9);
          for (String v : variants) measure(out, err, shape, lm, tok, Variant.parse(v.strip()));
        }
      }
    }
    out.println("peak RSS of the whole run (VmHWM): " + PeakMemory.rss());
  }

  private void measure(
      PrintWriter out,
      PrintWriter err,
      BenchShape shape,
      TransformerLm lm,
      TextTokenizer tok,
      Variant variant) {
    PeftConfig peft = PeftConfig.defaults(variant);
    PeftModel pm = new PeftModel(lm, tok, peft, PeftModel.initialParameters(lm, tok, peft, 42));
    TrainConfig tc =
        TrainConfig.builder()
            .optBatchQueries(batchQueries)
            .optHardNegatives(hardNegatives)
            .optBatchTokens(batchTokens)
            .build();
    Trainer trainer = new Trainer(pm, null, tc, null, null);
    TrainingBatch batch = TrainingBatch.of(examples(batchQueries, passageWords), tc, null);
    int pairs = batch.size();
    long tokens = 0;
    for (int i = 0; i < pairs; i++)
      tokens += pm.prepare(batch.queries().get(i), batch.passages().get(i)).request().length();

    Map<String, float[]> ours = grads(pm);
    PeakMemory.reset();
    trainer.lossAndGradients(batch, null, ours); // warm-up
    long s = System.nanoTime();
    for (int i = 0; i < steps; i++) trainer.lossAndGradients(batch, null, ours);
    double sec = (System.nanoTime() - s) / 1e9 / steps;
    long peak = PeakMemory.rssKb();
    out.println(row(shape, variant, "qpeft", pairs, tokens, sec, 0, peak));
    out.flush();
    if (noReference) return;

    Map<String, float[]> ref = grads(pm);
    PeakMemory.reset();
    reference(pm, batch, tc, ref); // warm-up
    s = System.nanoTime();
    for (int i = 0; i < steps; i++) reference(pm, batch, tc, ref);
    double refSec = (System.nanoTime() - s) / 1e9 / steps;
    long refPeak = PeakMemory.rssKb();
    out.println(row(shape, variant, "reference", pairs, tokens, refSec, 0, refPeak));
    out.println(row(shape, variant, "speed-up", pairs, tokens, sec, refSec / sec, 0));
    // both accumulated (1 + steps) steps of the same gradient: compare them
    double worst = 0;
    double scale = 0;
    for (String n : ours.keySet()) {
      float[] a = ours.get(n);
      float[] b = ref.get(n);
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
    }
    err.printf(
        Locale.ROOT,
        "%s %s: largest gradient difference qpeft vs reference %.2e (largest gradient %.2e)%n",
        shape,
        variant.id(),
        worst,
        scale);
    out.flush();
  }

  /**
   * The straightforward step: every pair in its own forward pass with full-vocabulary logits, all
   * in one graph, then the same loss and one backward.
   */
  private static void reference(
      PeftModel pm, TrainingBatch batch, TrainConfig cfg, Map<String, float[]> into) {
    List<PeftModel.Prepared> pairs = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++)
      pairs.add(pm.prepare(batch.queries().get(i), batch.passages().get(i)));
    Engine engine = Engine.getEngine("PyTorch");
    TransformerLm.gradientLock().lock();
    try (NDManager m = pm.lm().newManager()) {
      Binding b = new Binding(m, pm.parameters(), pm.embeddingRows(pairs), true);
      try (GradientCollector gc = engine.newGradientCollector()) {
        NDList each = new NDList();
        for (PeftModel.Prepared p : pairs) each.add(pm.meanLogprobs(b, List.of(p), null, true));
        NDArray nll = NDArrays.concat(each, 0).neg(); // (pairs)
        gc.backward(batch.loss(m, nll, cfg));
        b.addGradientsTo(into);
      }
    } finally {
      TransformerLm.gradientLock().unlock();
    }
  }

  private static Map<String, float[]> grads(PeftModel pm) {
    Map<String, float[]> g = new HashMap<>();
    for (String n : pm.parameters().trainableNames())
      g.put(n, new float[pm.parameters().get(n).data().length]);
    return g;
  }

  private static String row(
      BenchShape shape,
      Variant v,
      String way,
      int pairs,
      long tokens,
      double sec,
      double speedUp,
      long peakKb) {
    if (way.equals("speed-up")) {
      return String.format(
          Locale.ROOT,
          "| %s | %s | qpeft / reference | | | | | **%.1fx** | | |",
          shape,
          v.id(),
          speedUp);
    }
    return String.format(
        Locale.ROOT,
        "| %s | %s | %s | %d | %d | %.2f | %.0f | | %.1f | %.2f GiB |",
        shape,
        v.id(),
        way,
        pairs,
        tokens,
        pairs / sec,
        tokens / sec,
        sec,
        peakKb / 1048576.0);
  }

  /** {@code n} queries of 6 words, each with one positive and one hard negative passage. */
  private static List<TrainingExample> examples(int n, int words) {
    SyntheticCorpus corpus = SyntheticCorpus.of(SyntheticCorpus.ENGLISH, 0);
    SplittableRandom rnd = new SplittableRandom(3);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new TrainingExample(
              new Query("q" + i, corpus.text(rnd, 6)),
              List.of(new Passage("p" + i, corpus.text(rnd, words))),
              List.of(new Passage("n" + i, corpus.text(rnd, words)))));
    }
    return out;
  }
}
