package io.qpeft.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.cli.DeviceOptions;
import io.qpeft.cli.TrainingOptions;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.Recipe;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-train --task learnability}: trains prompt tuning, Q-PEFT-R and Q-PEFT-A on a
 * synthetic task ({@link LearnabilityTask}) for several training sizes and prints Hit@10 /
 * Recall@10 on held-out test queries next to the first-stage order and zero-shot UPR: the evidence
 * that the query-dependent module learns relevance that the frozen LM does not see.
 */
@Command(
    name = "bench-train --task learnability",
    description =
        "Hit@10 / Recall@10 of trained adapters vs. UPR and prompt tuning on a synthetic task.")
final class LearnabilityTrainTask implements BenchTrainTask {
  @Mixin DeviceOptions deviceOptions;

  /**
   * The training options of {@code qpeft train}; this task's own defaults where they are not given:
   * 5 epochs, Q-PEFT-R top-k 3 (3 hints of 16 words keeps the paper's ratio of 10-20 of ~100), no
   * checkpoints.
   */
  @Mixin TrainingOptions training;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "The frozen LM's folder, e.g. the tiny-llama test fixture.")
  Path model;

  @Option(
      names = "--sizes",
      defaultValue = "80,320,1280",
      split = ",",
      description = "Training sizes in queries (default ${DEFAULT-VALUE}).")
  int[] sizes;

  @Option(
      names = "--max-steps",
      defaultValue = "0",
      description =
          "Fewer epochs when they would exceed this many "
              + "optimizer steps (at least one epoch is trained; 0: no cap; default ${DEFAULT-VALUE}).")
  int maxSteps;

  @Option(
      names = "--candidates",
      defaultValue = "30",
      description = "Candidates per test query (default ${DEFAULT-VALUE}).")
  int candidates;

  @Option(
      names = "--test-queries",
      defaultValue = "60",
      description = "Held-out test queries (default ${DEFAULT-VALUE}).")
  int testQueries;

  @Option(
      names = "--dev-queries",
      defaultValue = "24",
      description = "Early-stopping queries (default ${DEFAULT-VALUE}).")
  int devQueries;

  @Option(
      names = "--words",
      defaultValue = "16",
      description = "Words per passage (default ${DEFAULT-VALUE}).")
  int words;

  @Option(
      names = "--methods",
      defaultValue = "prompt,retrieval,attention",
      split = ",",
      description = "Trained methods (default ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(
      names = "--synonyms",
      description =
          "Passages hold a fixed synonym of each key word instead of the word: relevance is a "
              + "learned match, not a shared token (cosine top-k cannot find it).")
  boolean synonyms;

  @Option(names = "--verbose", description = "Print each epoch's metrics (JSON) on stderr.")
  boolean verbose;

  @Override
  public void run(PrintWriter out, PrintWriter err) {
    learnability(out, err);
  }

  private void learnability(PrintWriter out, PrintWriter err) {
    Path dir = model;
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("--model " + model + " is not a folder");
    }
    if (sizes.length == 0) throw new IllegalArgumentException("--sizes needs at least one size");
    int largest = Arrays.stream(sizes).max().getAsInt();
    if (maxSteps < 0)
      throw new IllegalArgumentException("--max-steps must be >= 0, got " + maxSteps);
    LearnabilityTask.Shape shape =
        new LearnabilityTask.Shape(largest, devQueries, testQueries, candidates, words, synonyms);
    long start = System.nanoTime();
    try (TransformerLm lm = Models.load(dir, deviceOptions.engineOptions());
        TextTokenizer tok = TextTokenizer.load(dir)) {
      err.println("bench-train: " + lm.placement().describe());
      long seed =
          training.recipe(Variant.RETRIEVAL, LearnabilityTrainTask::taskDefaults).train().seed();
      LearnabilityTask t = LearnabilityTask.generate(tok, lm.config(), shape, seed);
      LearnabilityBench.Settings s =
          new LearnabilityBench.Settings(
              maxSteps,
              training.recipe(Variant.RETRIEVAL, LearnabilityTrainTask::taskDefaults),
              training.recipe(Variant.ATTENTION, LearnabilityTrainTask::taskDefaults),
              training.recipe(Variant.PROMPT, LearnabilityTrainTask::taskDefaults),
              trainedMethods());
      TrainConfig tc = s.retrieval().train();
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
          "learnability%s: model %s (%s, %d layers, hidden %d), %d key + %d filler words, %d words/passage,%n",
          synonyms ? " (synonyms)" : "",
          dir,
          lm.config().family(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          t.keys().size(),
          t.fillers().size(),
          words);
      out.printf(
          "  %d test queries x %d candidates (first stage: random order), %d dev queries; "
              + "AdamW lr %s, margin %s, batch %d queries + %d hard negative(s) each, in-batch negatives %s, "
              + "up to %d epochs%s, Q-PEFT-R top-k %d, Q-PEFT-A %d heads, seed %d, %d PyTorch thread(s)%n",
          testQueries,
          candidates,
          devQueries,
          tc.learningRate(),
          tc.margin(),
          tc.batchQueries(),
          tc.hardNegatives(),
          tc.inBatchNegatives() ? "on" : "off",
          tc.epochs(),
          maxSteps > 0 ? " / " + maxSteps + " steps" : "",
          s.retrieval().peft().topK(),
          s.attention().peft().heads(),
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

  /** This task's defaults under the command-line options: 5 epochs, top-k 3, no checkpoints. */
  private static Recipe taskDefaults(Recipe r) {
    PeftConfig peft =
        r.peft().variant() == Variant.RETRIEVAL
            ? r.peft().toBuilder().optTopK(3).build()
            : r.peft();
    return new Recipe(peft, r.train().toBuilder().optEpochs(5).optCheckpointEvery(0).build());
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
}
