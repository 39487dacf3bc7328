package io.qpeft.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.cli.DeviceOptions;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.AttentionInit;
import io.qpeft.peft.AttentionScore;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.LossType;
import io.qpeft.train.Selection;
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
      names = "--epochs",
      defaultValue = "5",
      description = "Maximum epochs per training run (default ${DEFAULT-VALUE}).")
  int epochs;

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
      names = "--lr",
      defaultValue = "3e-2",
      description = "AdamW learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--loss",
      defaultValue = "both",
      description = "The loss: pointwise, pairwise or both (default ${DEFAULT-VALUE}).")
  String loss;

  @Option(
      names = "--margin",
      defaultValue = "0.5",
      description = "Hinge margin (default ${DEFAULT-VALUE}).")
  double margin;

  @Option(
      names = "--top-k",
      defaultValue = "3",
      description =
          "Q-PEFT-R hint tokens; 3 of 16 words keeps the "
              + "paper's ratio (10-20 of ~100; default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--attention-heads",
      defaultValue = "2",
      description = "Q-PEFT-A heads (default ${DEFAULT-VALUE}).")
  int attentionHeads;

  @Option(
      names = "--dropout",
      defaultValue = "0.1",
      description = "Q-PEFT-A attention dropout (default ${DEFAULT-VALUE}).")
  double dropout;

  @Option(
      names = "--methods",
      defaultValue = "prompt,retrieval,attention",
      split = ",",
      description = "Trained methods (default ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(
      names = "--mlp",
      defaultValue = "plain",
      description = "Hint MLP: plain or residual (default ${DEFAULT-VALUE}).")
  String mlp;

  @Option(
      names = "--attention-init",
      defaultValue = "xavier",
      description =
          "Q-PEFT-A projections: xavier, xavier_packed or identity (default ${DEFAULT-VALUE}).")
  String attentionInit;

  @Option(
      names = "--attention-score",
      defaultValue = "dot",
      description = "Q-PEFT-A scores: dot or cosine (default ${DEFAULT-VALUE}).")
  String attentionScore;

  @Option(
      names = "--attention-temperature",
      defaultValue = "10",
      description = "Q-PEFT-A: tau of cosine scores (default ${DEFAULT-VALUE}).")
  double attentionTemperature;

  @Option(
      names = "--match-lr-scale",
      defaultValue = "1",
      description = "Learning-rate factor of Q-PEFT-A's query side (default ${DEFAULT-VALUE}).")
  double matchLrScale;

  @Option(
      names = "--selection",
      defaultValue = "loss",
      description = "Kept epoch by dev loss or ranking (default ${DEFAULT-VALUE}).")
  String selection;

  @Option(
      names = "--pairs-per-step",
      defaultValue = "0",
      description = "Optimizer step every n pairs, 0: per batch (default ${DEFAULT-VALUE}).")
  int pairsPerStep;

  @Option(
      names = "--clip-norm",
      defaultValue = "1",
      description = "Gradient-norm clipping, 0: off (default ${DEFAULT-VALUE}).")
  double clipNorm;

  @Option(
      names = "--synonyms",
      description =
          "Passages hold a fixed synonym of each key word instead of the word: relevance is a "
              + "learned match, not a shared token (cosine top-k cannot find it).")
  boolean synonyms;

  @Option(names = "--verbose", description = "Print each epoch's metrics (JSON) on stderr.")
  boolean verbose;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the task and the training (default ${DEFAULT-VALUE}).")
  long seed;

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
    if (epochs <= 0) throw new IllegalArgumentException("--epochs must be positive, got " + epochs);
    if (maxSteps < 0)
      throw new IllegalArgumentException("--max-steps must be >= 0, got " + maxSteps);
    LearnabilityTask.Shape shape =
        new LearnabilityTask.Shape(largest, devQueries, testQueries, candidates, words, synonyms);
    long start = System.nanoTime();
    try (TransformerLm lm = Models.load(dir, deviceOptions.engineOptions());
        TextTokenizer tok = TextTokenizer.load(dir)) {
      err.println("bench-train: " + lm.placement().describe());
      LearnabilityTask t = LearnabilityTask.generate(tok, lm.config(), shape, seed);
      TrainConfig tc =
          TrainConfig.builder()
              .optLearningRate(lr)
              .optEpochs(epochs)
              .optLoss(LossType.parse(loss))
              .optMargin(margin)
              .optSeed(seed)
              .optCheckpointEvery(0)
              .optMatchLrScale(matchLrScale)
              .optSelection(Selection.parse(selection))
              .optPairsPerStep(pairsPerStep)
              .optClipNorm(clipNorm)
              .build();
      boolean residual =
          switch (mlp) {
            case "plain" -> false;
            case "residual" -> true;
            default ->
                throw new IllegalArgumentException(
                    "unknown --mlp '" + mlp + "'; allowed: plain, residual");
          };
      PeftConfig r =
          PeftConfig.builder()
              .setVariant(Variant.RETRIEVAL)
              .optTopK(topK)
              .optResidualMlp(residual)
              .build();
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
                  .optResidualMlp(residual)
                  .optAttentionInit(AttentionInit.parse(attentionInit))
                  .optAttentionScore(AttentionScore.parse(attentionScore))
                  .optAttentionTemperature(attentionTemperature)
                  .build(),
              PeftConfig.defaults(Variant.PROMPT),
              trainedMethods());
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
}
