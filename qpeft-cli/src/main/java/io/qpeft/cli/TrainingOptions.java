package io.qpeft.cli;

import io.qpeft.peft.AttentionInit;
import io.qpeft.peft.AttentionScore;
import io.qpeft.peft.HintSource;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.Truncation;
import io.qpeft.peft.Variant;
import io.qpeft.train.LossType;
import io.qpeft.train.Recipe;
import io.qpeft.train.Selection;
import io.qpeft.train.TrainConfig;
import picocli.CommandLine.Option;

/**
 * The training hyper-parameters of {@code qpeft train} (and of the training benchmarks): a preset
 * ({@code default} or {@code paper}), then every option given on the command line on top of it.
 * Options left out keep the preset's value, so they have no picocli default.
 */
public final class TrainingOptions {
  @Option(
      names = "--preset",
      defaultValue = "default",
      description =
          "default (qpeft's measured defaults) or paper (the official Q-PEFT code's training; "
              + "see docs/train.md). Options given explicitly override the preset.")
  String preset;

  @Option(
      names = "--dataset",
      description =
          "--preset paper: nq, tqa, webq or squad (per-dataset margin and top-k; default nq).")
  String dataset;

  @Option(names = "--epochs", description = "Maximum epochs (default 20).")
  Integer epochs;

  @Option(names = "--lr", description = "AdamW learning rate (default 1e-3; paper: 3e-2).")
  Double lr;

  @Option(names = "--weight-decay", description = "AdamW weight decay (default 0.01).")
  Double weightDecay;

  @Option(names = "--beta1", description = "AdamW beta1 (default 0.9).")
  Double beta1;

  @Option(names = "--beta2", description = "AdamW beta2 (default 0.999).")
  Double beta2;

  @Option(names = "--batch-queries", description = "Queries per batch (default 4).")
  Integer batchQueries;

  @Option(
      names = "--hard-negatives",
      description =
          "Hard negatives per query, each a negative for the whole batch (default 2; paper: 1).")
  Integer hardNegatives;

  @Option(
      names = "--sample-hard-negatives",
      negatable = true,
      description =
          "Draw each step's hard negatives at random from a query's mined ones (paper: shuffled) "
              + "instead of its best-ranked ones (default on).")
  Boolean sampleHardNegatives;

  @Option(
      names = "--train-batch-tokens",
      description =
          "Padded tokens per forward pass of a training step; a step needing several passes "
              + "adds one forward without gradient (default 8192; 0: one pass).")
  Integer trainBatchTokens;

  @Option(
      names = "--in-batch-negatives",
      negatable = true,
      description =
          "Use the other queries' positives as negatives too (paper: on; default off: "
              + "--no-in-batch-negatives).")
  Boolean inBatch;

  @Option(names = "--loss", description = "pointwise, pairwise or both (default both).")
  String loss;

  @Option(names = "--margin", description = "Hinge margin (default 0.5; paper: per dataset).")
  Double margin;

  @Option(
      names = "--clip-norm",
      description = "Global gradient-norm clipping, 0: off (default 1; paper: 0).")
  Double clipNorm;

  @Option(names = "--linear-decay", description = "Decay the learning rate linearly to 0.")
  Boolean linearDecay;

  @Option(
      names = "--patience",
      description = "Epochs without improvement before stopping (default 5; paper: 6).")
  Integer patience;

  @Option(names = "--seed", description = "Seed of every random choice (default 42).")
  Long seed;

  @Option(
      names = "--checkpoint-every",
      description = "Steps between checkpoints, and every epoch end (default 50).")
  Integer checkpointEvery;

  @Option(
      names = "--pairs-per-step",
      description =
          "0: one optimizer step per batch of queries; n: one step every n (positive, negative) "
              + "pairs (default 0; paper: 2).")
  Integer pairsPerStep;

  @Option(
      names = "--match-lr-scale",
      description =
          "Learning-rate factor for Q-PEFT-A's query side (embedding copy, q/k projections) (default 0.1"
              + " for attention, else 1; paper: 1).")
  Double matchLrScale;

  @Option(
      names = "--selection",
      description =
          "What keeps the best epoch and drives early stopping: loss (dev loss) or ranking "
              + "(dev nDCG@10 of positives among hard negatives) (default ranking; paper: loss).")
  String selection;

  @Option(names = "--top-k", description = "Q-PEFT-R hint tokens (default 10; paper: per dataset).")
  Integer topK;

  @Option(names = "--heads", description = "Q-PEFT-A attention heads (default 2).")
  Integer heads;

  @Option(names = "--dropout", description = "Q-PEFT-A attention dropout (default 0.1).")
  Double dropout;

  @Option(
      names = "--max-tokens",
      description = "Total input budget; the passage is cut, the query never (default 300).")
  Integer maxTokens;

  @Option(names = "--train-soft-prompt", description = "Also train the soft prompt.")
  Boolean trainSoftPrompt;

  @Option(names = "--no-stop-words-filter", description = "Q-PEFT-R: allow stop words as hints.")
  Boolean keepStopWords;

  @Option(
      names = "--keep-non-alphabetic",
      description = "Q-PEFT-R: allow tokens without a letter as hints.")
  Boolean keepNonAlphabetic;

  @Option(
      names = "--min-similarity",
      description =
          "Q-PEFT-R: least cosine similarity to a query token a hint token needs; 1: the query's "
              + "own tokens only, -1: any (paper) (default 1).")
  Double minSimilarity;

  @Option(
      names = "--mlp",
      description =
          "plain (paper: Linear-ReLU-Linear) or residual (x + MLP(x), last layer starting at zero: "
              + "the untrained hints are the selected tokens' embeddings) (default residual; paper: plain).")
  String mlp;

  @Option(
      names = "--attention-score",
      description = "Q-PEFT-A: dot (paper) or cosine (tau * cos) (default cosine).")
  String attentionScore;

  @Option(
      names = "--attention-temperature",
      description = "Q-PEFT-A with cosine scores: tau (default 10).")
  Double attentionTemperature;

  @Option(
      names = "--attention-init",
      description =
          "Q-PEFT-A projections: xavier, xavier_packed (paper) or identity (default identity).")
  String attentionInit;

  @Option(
      names = "--hint-source",
      description =
          "Tokens hints come from: passage, or prompt (also the template words; paper) (default passage).")
  String hintSource;

  @Option(
      names = "--trainable-query-side",
      negatable = true,
      description =
          "Q-PEFT-R: rank passage tokens against the trainable copy's query rows (paper) (default off).")
  Boolean trainableQuerySide;

  @Option(
      names = "--resample",
      negatable = true,
      description =
          "Q-PEFT-R: fill up to top-k by drawing from the selected tokens (paper) (default off).")
  Boolean resample;

  @Option(
      names = "--wrap-hints",
      negatable = true,
      description = "Pass the 'hints:' words through the MLP with the hints (paper) (default off).")
  Boolean wrapHints;

  @Option(
      names = "--truncation",
      description = "Part of a long passage kept: start, or end (paper) (default start).")
  String truncation;

  /** The preset for {@code variant} with every given option applied. */
  public Recipe recipe(Variant variant) {
    return recipe(variant, r -> r);
  }

  /**
   * The preset for {@code variant}, then a caller's own defaults (e.g. a benchmark's shorter
   * budget), then every option given on the command line.
   */
  public Recipe recipe(Variant variant, java.util.function.UnaryOperator<Recipe> defaults) {
    Recipe base =
        switch (preset) {
          case "default" -> {
            if (dataset != null)
              throw new IllegalArgumentException("--dataset goes with --preset paper");
            yield Recipe.defaults(variant);
          }
          case "paper" -> Recipe.paper(variant, dataset);
          default ->
              throw new IllegalArgumentException(
                  "unknown --preset '" + preset + "'; allowed: default, paper");
        };
    base = defaults.apply(base);
    PeftConfig.Builder p = base.peft().toBuilder();
    if (topK != null) p.optTopK(topK);
    if (heads != null) p.optHeads(heads);
    if (dropout != null) p.optDropout(dropout);
    if (maxTokens != null) p.optMaxTokens(maxTokens);
    if (keepStopWords != null) p.optStopWords(!keepStopWords);
    if (keepNonAlphabetic != null) p.optAlphabeticOnly(!keepNonAlphabetic);
    if (minSimilarity != null) p.optMinSimilarity(minSimilarity);
    if (mlp != null) p.optResidualMlp(parseMlp(mlp));
    if (attentionScore != null) p.optAttentionScore(AttentionScore.parse(attentionScore));
    if (attentionTemperature != null) p.optAttentionTemperature(attentionTemperature);
    if (attentionInit != null) p.optAttentionInit(AttentionInit.parse(attentionInit));
    if (hintSource != null) p.optHintSource(HintSource.parse(hintSource));
    if (trainableQuerySide != null) p.optTrainableQuerySide(trainableQuerySide);
    if (resample != null) p.optResample(resample);
    if (wrapHints != null) p.optWrapHints(wrapHints);
    if (truncation != null) p.optTruncation(Truncation.parse(truncation));
    boolean soft = trainSoftPrompt != null ? trainSoftPrompt : base.peft().trainSoftPrompt();
    p.optTrainSoftPrompt(soft || variant == Variant.PROMPT);
    TrainConfig.Builder t = base.train().toBuilder();
    if (epochs != null) t.optEpochs(epochs);
    if (lr != null) t.optLearningRate(lr);
    if (weightDecay != null) t.optWeightDecay(weightDecay);
    if (beta1 != null || beta2 != null) {
      t.optBetas(
          beta1 != null ? beta1 : base.train().beta1(),
          beta2 != null ? beta2 : base.train().beta2());
    }
    if (batchQueries != null) t.optBatchQueries(batchQueries);
    if (hardNegatives != null) t.optHardNegatives(hardNegatives);
    if (inBatch != null) t.optInBatchNegatives(inBatch);
    if (loss != null) t.optLoss(LossType.parse(loss));
    if (margin != null) t.optMargin(margin);
    if (clipNorm != null) t.optClipNorm(clipNorm);
    if (linearDecay != null) t.optLinearDecay(linearDecay);
    if (patience != null) t.optPatience(patience);
    if (seed != null) t.optSeed(seed);
    if (checkpointEvery != null) t.optCheckpointEvery(checkpointEvery);
    if (pairsPerStep != null) t.optPairsPerStep(pairsPerStep);
    if (matchLrScale != null) t.optMatchLrScale(matchLrScale);
    if (selection != null) t.optSelection(Selection.parse(selection));
    if (sampleHardNegatives != null) t.optSampleHardNegatives(sampleHardNegatives);
    if (trainBatchTokens != null) t.optBatchTokens(trainBatchTokens);
    return new Recipe(p.build(), t.build());
  }

  private static boolean parseMlp(String s) {
    return switch (s) {
      case "plain" -> false;
      case "residual" -> true;
      default ->
          throw new IllegalArgumentException("unknown --mlp '" + s + "'; allowed: plain, residual");
    };
  }
}
