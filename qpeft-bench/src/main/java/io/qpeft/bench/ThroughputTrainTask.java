package io.qpeft.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.cli.Cli;
import io.qpeft.cli.DeviceOptions;
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
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingBatch;
import io.qpeft.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-train --task throughput}: query-passage pairs per second (forward + backward) of
 * each variant on a random GPT-2-shaped model (GPT-2 small by default), with peak RSS.
 */
@Command(
    name = "bench-train --task throughput",
    description =
        "Training pairs per second (forward + backward) of each variant on a random GPT-2-shaped"
            + " model, and peak memory.")
final class ThroughputTrainTask implements BenchTrainTask {
  @Mixin DeviceOptions deviceOptions;

  @Option(
      names = "--tokenizer",
      required = true,
      paramLabel = "DIR",
      description = "A model folder with a tokenizer.json (ids must fit the vocab).")
  Path tokenizerDir;

  @Option(
      names = "--layers",
      defaultValue = "12",
      description = "Layers (default ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--hidden",
      defaultValue = "768",
      description = "Hidden size (default ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--heads",
      defaultValue = "12",
      description = "Attention heads (default ${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--vocab",
      defaultValue = "50257",
      description = "Vocabulary size (default ${DEFAULT-VALUE}).")
  int vocab;

  @Option(
      names = "--steps",
      defaultValue = "3",
      description = "Timed steps per variant (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--batch-queries",
      defaultValue = "2",
      description = "Queries per step (default ${DEFAULT-VALUE}).")
  int batchQueries;

  @Option(
      names = "--passage-words",
      defaultValue = "100",
      description = "Words per passage (default ${DEFAULT-VALUE}).")
  int passageWords;

  @Override
  public void run(PrintWriter out, PrintWriter err) {
    Cli.requirePositive("--layers", layers);
    Cli.requirePositive("--hidden", hidden);
    Cli.requirePositive("--heads", heads);
    if (hidden % heads != 0) {
      throw new IllegalArgumentException(
          "--hidden " + hidden + " must be a multiple of --heads " + heads);
    }
    Cli.requirePositive("--vocab", vocab);
    Cli.requirePositive("--steps", steps);
    Cli.requirePositive("--batch-queries", batchQueries);
    Cli.requirePositive("--passage-words", passageWords);
    throughput(out);
  }

  private void throughput(PrintWriter out) {
    ModelConfig c =
        ModelConfig.builder()
            .setFamily("gpt2")
            .setVocabSize(vocab)
            .setHiddenSize(hidden)
            .setNumHiddenLayers(layers)
            .setNumAttentionHeads(heads)
            .setIntermediateSize(4 * hidden)
            .optMaxPositionEmbeddings(1024)
            .optRopeTheta(0)
            .optNormEps(1e-5)
            .optTieWordEmbeddings(true)
            .optAttentionBias(true)
            .optOutputBias(true)
            .optMlpBias(true)
            .optBosTokenId(vocab - 1)
            .optEosTokenId(vocab - 1)
            .build();
    long t0 = System.nanoTime();
    try (TransformerLm lm = Models.random(c, 1, deviceOptions.engineOptions());
        TextTokenizer tok = TextTokenizer.load(tokenizerDir)) {
      out.printf(
          "model: gpt2-shaped random, %d layers, hidden %d, vocab %d (built in %.1f s), %d PyTorch thread(s)%n",
          layers, hidden, vocab, (System.nanoTime() - t0) / 1e9, JniUtils.getNumThreads());
      out.println(lm.placement().describe());
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

  /** {@code n} queries of 6 words, each with one positive and one negative passage. */
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
