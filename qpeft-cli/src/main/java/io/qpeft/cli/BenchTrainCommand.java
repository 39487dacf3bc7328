package io.qpeft.cli;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Rng;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.LossType;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingBatch;
import io.qpeft.train.TrainingExample;
import io.qpeft.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft bench-train}: two training benchmarks.
 *
 * <ul>
 *   <li>{@code --task throughput}: query-passage pairs per second (forward + backward) of each
 *       variant on a random model of the given shape (GPT-2 small by default), with peak RSS.
 *   <li>{@code --task learnability}: trains prompt tuning, Q-PEFT-R and Q-PEFT-A on a synthetic
 *       task ({@link LearnabilityTask}) for several training sizes and prints Hit@10 / Recall@10 on
 *       held-out test queries next to the first-stage order and zero-shot UPR: the evidence that
 *       the query-dependent module learns relevance that the frozen LM does not see.
 * </ul>
 */
@Command(
    name = "bench-train",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark Q-PEFT training: throughput (pairs/s, peak memory) or learnability (Hit@10 / Recall@10 "
            + "of trained adapters vs. UPR and prompt tuning on a synthetic task).")
public final class BenchTrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--task",
      defaultValue = "throughput",
      description = "throughput or learnability (default ${DEFAULT-VALUE}).")
  String task;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description =
          "PyTorch intra-op threads (0: leave PyTorch's default). "
              + "One thread is several times faster for tiny models on a busy machine (default ${DEFAULT-VALUE}).")
  int threads;

  // throughput
  @Option(
      names = "--tokenizer",
      description = "throughput: a model folder with a tokenizer.json (ids must fit the vocab).")
  Path tokenizerDir;

  @Option(
      names = "--layers",
      defaultValue = "12",
      description = "throughput: layers (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--hidden",
      defaultValue = "768",
      description = "throughput: hidden size (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--heads",
      defaultValue = "12",
      description = "throughput: attention heads (default ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--vocab",
      defaultValue = "50257",
      description = "throughput: vocabulary size (default ${DEFAULT-VALUE}).")
  int vocab;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description = "throughput: timed steps per variant (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--batch-queries",
      defaultValue = "2",
      description = "throughput: queries per step (default ${DEFAULT-VALUE}).")
  int batchQueries;

  @Option(
      names = "--passage-words",
      defaultValue = "100",
      description = "throughput: words per passage (default ${DEFAULT-VALUE}).")
  int passageWords;

  // learnability
  @Option(
      names = "--model",
      description =
          "learnability: the frozen LM's folder (default: the tiny-llama test fixture, "
              + "when run from the project root).")
  Path model;

  @Option(
      names = "--sizes",
      defaultValue = "80,320,1280",
      split = ",",
      description = "learnability: training sizes in queries (default ${DEFAULT-VALUE}).")
  int[] sizes;

  @Option(
      names = "--epochs",
      defaultValue = "5",
      description = "learnability: maximum epochs per training run (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--max-steps",
      defaultValue = "0",
      description =
          "learnability: fewer epochs when they would exceed this many "
              + "optimizer steps (at least one epoch is trained; 0: no cap; default ${DEFAULT-VALUE}).")
  int maxSteps;

  @Option(
      names = "--candidates",
      defaultValue = "30",
      description = "learnability: candidates per test query (default ${DEFAULT-VALUE}).")
  int candidates;

  @Option(
      names = "--test-queries",
      defaultValue = "60",
      description = "learnability: held-out test queries (default ${DEFAULT-VALUE}).")
  int testQueries;

  @Option(
      names = "--dev-queries",
      defaultValue = "24",
      description = "learnability: early-stopping queries (default ${DEFAULT-VALUE}).")
  int devQueries;

  @Option(
      names = "--words",
      defaultValue = "16",
      description = "learnability: words per passage (default ${DEFAULT-VALUE}).")
  int words;

  @Option(
      names = "--lr",
      defaultValue = "3e-2",
      description = "learnability: AdamW learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--loss",
      defaultValue = "both",
      description = "learnability: pointwise, pairwise or both (default ${DEFAULT-VALUE}).")
  String loss;

  @Option(
      names = "--margin",
      defaultValue = "0.5",
      description = "learnability: hinge margin (default ${DEFAULT-VALUE}).")
  double margin;

  @Option(
      names = "--top-k",
      defaultValue = "3",
      description =
          "learnability: Q-PEFT-R hint tokens; 3 of 16 words keeps the "
              + "paper's ratio (10-20 of ~100; default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--attention-heads",
      defaultValue = "2",
      description = "learnability: Q-PEFT-A heads (default ${DEFAULT-VALUE}).")
  int attentionHeads;

  @Option(
      names = "--dropout",
      defaultValue = "0.1",
      description = "learnability: Q-PEFT-A attention dropout (default ${DEFAULT-VALUE}).")
  double dropout;

  @Option(
      names = "--methods",
      defaultValue = "prompt,retrieval,attention",
      split = ",",
      description = "learnability: trained methods (default ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(
      names = "--synonyms",
      description =
          "learnability: passages hold a fixed synonym of each key word instead of the word, so "
              + "that relevance is a learned match, not a shared token.")
  boolean synonyms;

  @Option(
      names = "--verbose",
      description = "learnability: print each epoch's metrics (JSON) on stderr.")
  boolean verbose;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "learnability: seed of the task and the training (default ${DEFAULT-VALUE}).")
  long seed;

  static final Path TINY_LLAMA =
      Path.of("qpeft-core/src/test/resources/fixtures/models/tiny-llama");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int previous = setThreads(threads);
    try {
      switch (task) {
        case "throughput" -> throughput(out);
        case "learnability" -> learnability(out);
        default ->
            throw new IllegalArgumentException(
                "unknown --task " + task + "; supported: throughput, learnability");
      }
    } finally {
      if (previous > 0) JniUtils.setNumThreads(previous);
      out.flush();
    }
    return 0;
  }

  /** Sets PyTorch's intra-op threads; returns the previous count (0 when unchanged). */
  private static int setThreads(int n) {
    if (n < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + n);
    if (n == 0) return 0;
    Engine.getEngine("PyTorch"); // loads the native library
    int previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(n);
    return previous;
  }

  private void learnability(PrintWriter out) {
    Path dir = model != null ? model : TINY_LLAMA;
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          model != null
              ? "--model " + model + " is not a folder"
              : "--task learnability needs --model DIR (the tiny-llama fixture "
                  + TINY_LLAMA
                  + " is not here)");
    }
    if (sizes.length == 0) throw new IllegalArgumentException("--sizes needs at least one size");
    int largest = Arrays.stream(sizes).max().getAsInt();
    if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
    if (maxSteps < 0)
      throw new IllegalArgumentException("--max-steps must be >= 0, got " + maxSteps);
    LearnabilityTask.Shape shape =
        new LearnabilityTask.Shape(largest, devQueries, testQueries, candidates, words, synonyms);
    long start = System.nanoTime();
    try (TransformerLm lm = Models.load(dir);
        TextTokenizer tok = TextTokenizer.load(dir)) {
      LearnabilityTask t = LearnabilityTask.generate(tok, lm.config(), shape, seed);
      TrainConfig tc =
          TrainConfig.builder()
              .optLearningRate(lr)
              .optEpochs(epochs)
              .optLoss(LossType.parse(loss))
              .optMargin(margin)
              .optSeed(seed)
              .optCheckpointEvery(0)
              .build();
      PeftConfig r = PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(topK).build();
      LearnabilityBench.Settings s =
          new LearnabilityBench.Settings(
              epochs,
              maxSteps,
              tc,
              r,
              PeftConfig.builder()
                  .setVariant(Variant.ATTENTION)
                  .optHeads(attentionHeads)
                  .optDropout(dropout)
                  .build(),
              PeftConfig.defaults(Variant.PROMPT),
              trainedMethods());
      PrintWriter err = spec.commandLine().getErr();
      TrainingListener listener =
          !verbose
              ? null
              : new TrainingListener() {
                @Override
                public void onEpoch(EpochMetrics m) {
                  err.println(m.toJson());
                  err.flush();
                }
              };
      out.printf(
          "learnability: model %s (%s, %d layers, hidden %d), %d key + %d filler words, %d words/passage,%n",
          dir,
          lm.config().family(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          t.keys().size(),
          t.fillers().size(),
          words);
      out.printf(
          "  %d test queries x %d candidates (first stage: random order), %d dev queries; "
              + "AdamW lr %s, margin %s, batch 4 queries + 1 hard negative each, in-batch negatives, "
              + "up to %d epochs%s, Q-PEFT-R top-k %d, Q-PEFT-A %d heads, seed %d, %d PyTorch thread(s)%n",
          testQueries,
          candidates,
          devQueries,
          lr,
          margin,
          epochs,
          maxSteps > 0 ? " / " + maxSteps + " steps" : "",
          topK,
          attentionHeads,
          seed,
          JniUtils.getNumThreads());
      out.println();
      out.println(
          "| train queries | method | Hit@10 | Recall@10 | epochs | dev loss (epoch 1 -> best) | seconds |");
      out.println("|---|---|---|---|---|---|---|");
      out.flush();
      new LearnabilityBench(lm, tok, t, s, listener)
          .run(
              sizes,
              row -> {
                out.println(format(row));
                out.flush();
              });
    }
    out.printf(
        "%ntotal %.0f s; peak RSS (VmHWM): %s%n",
        (System.nanoTime() - start) / 1e9, PeakMemory.rss());
  }

  private List<LearnabilityBench.Method> trainedMethods() {
    List<LearnabilityBench.Method> out = new ArrayList<>();
    for (String m : methods) {
      Variant v = Variant.parse(m.strip());
      LearnabilityBench.Method method =
          Arrays.stream(LearnabilityBench.Method.values())
              .filter(x -> x.variant == v)
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "--methods: "
                              + m
                              + " is not trained here; allowed: prompt, retrieval, attention"));
      out.add(method);
    }
    return out;
  }

  static String format(LearnabilityBench.Row r) {
    String dev =
        r.epochs() == 0
            ? "-"
            : String.format(Locale.ROOT, "%.3f -> %.3f", r.devLossFirst(), r.devLossBest());
    return String.format(
        Locale.ROOT,
        "| %d | %s | %.3f | %.3f | %s | %s | %.1f |",
        r.trainQueries(),
        r.method().label,
        r.hit10(),
        r.recall10(),
        r.epochs() == 0 ? "-" : String.valueOf(r.epochs()),
        dev,
        r.seconds());
  }

  private void throughput(PrintWriter out) {
    if (tokenizerDir == null)
      throw new IllegalArgumentException("--task throughput needs --tokenizer DIR");
    ModelConfig c =
        new ModelConfig(
            "gpt2",
            vocab,
            hidden,
            layers,
            heads,
            heads,
            hidden / heads,
            4 * hidden,
            1024,
            0,
            1e-5,
            true,
            true,
            true,
            true,
            vocab - 1,
            vocab - 1);
    long t0 = System.nanoTime();
    try (TransformerLm lm = Models.random(c, 1);
        TextTokenizer tok = TextTokenizer.load(tokenizerDir)) {
      out.printf(
          "model: gpt2-shaped random, %d layers, hidden %d, vocab %d (built in %.1f s), %d PyTorch thread(s)%n",
          layers, hidden, vocab, (System.nanoTime() - t0) / 1e9, JniUtils.getNumThreads());
      out.println("| variant | pairs/step | pairs/s | s/step | trainable params |");
      out.println("|---|---|---|---|---|");
      double reference = 0;
      for (Variant v : new Variant[] {Variant.PROMPT, Variant.RETRIEVAL, Variant.ATTENTION}) {
        PeftConfig peft = PeftConfig.defaults(v);
        PeftModel pm = new PeftModel(lm, tok, peft, PeftModel.initialParameters(lm, tok, peft, 42));
        TrainConfig tc = TrainConfig.builder().optBatchQueries(batchQueries).build();
        Trainer trainer = new Trainer(pm, BaseModel.of(c, null), tc, null, null);
        TrainingBatch batch = TrainingBatch.of(examples(batchQueries, passageWords), tc, null);
        Map<String, float[]> grads = new HashMap<>();
        for (String n : pm.parameters().trainableNames())
          grads.put(n, new float[pm.parameters().get(n).data().length]);
        trainer.lossAndGradients(batch, new Rng(1), grads); // warm-up
        long s = System.nanoTime();
        for (int i = 0; i < steps; i++) trainer.lossAndGradients(batch, new Rng(i), grads);
        double sec = (System.nanoTime() - s) / 1e9 / steps;
        double pps = batch.size() / sec;
        if (reference == 0) reference = pps;
        out.printf(
            "| %s | %d | %.2f (%.2fx prompt) | %.2f | %d |%n",
            v.id(), batch.size(), pps, pps / reference, sec, pm.parameters().trainableCount());
        out.flush();
      }
    }
    out.println("peak RSS (VmHWM): " + PeakMemory.rss());
  }

  private static List<TrainingExample> examples(int n, int words) {
    String[] vocab = {
      "river",
      "mountain",
      "city",
      "music",
      "planet",
      "ocean",
      "forest",
      "garden",
      "engine",
      "bridge"
    };
    Rng rng = new Rng(3);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder pos = new StringBuilder();
      StringBuilder neg = new StringBuilder();
      for (int w = 0; w < words; w++) {
        pos.append(vocab[rng.nextInt(vocab.length)]).append(' ');
        neg.append(vocab[rng.nextInt(vocab.length)]).append(' ');
      }
      out.add(
          new TrainingExample(
              new Query("q" + i, "which " + vocab[i % vocab.length] + " is near the city"),
              List.of(new Passage("p" + i, pos.toString())),
              List.of(new Passage("n" + i, neg.toString()))));
    }
    return out;
  }
}
