package io.qpeft.train;

import io.qpeft.peft.AttentionInit;
import io.qpeft.peft.AttentionScore;
import io.qpeft.peft.HintSource;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.Truncation;
import io.qpeft.peft.Variant;
import java.util.Locale;

/**
 * A complete training setup: the adapter's shape and the training hyper-parameters. {@link
 * #defaults} is qpeft's; {@link #paper} reproduces the official Q-PEFT code (zhiyuanpeng/Q-PEFT)
 * point by point, so the two can be compared (docs/train.md lists each difference and why our
 * default differs).
 */
public record Recipe(PeftConfig peft, TrainConfig train) {

  /**
   * qpeft's defaults for {@code variant}, chosen from what docs/train.md measures: the residual
   * hint MLP and Q-PEFT-R hints from the query's own tokens only (training starts from the hints as
   * text), Q-PEFT-A with identity projections and scaled-cosine scores whose query side learns at a
   * tenth of the rate (its attention starts on the matching passage tokens and stays there), AdamW
   * at 1e-3 (3e-2 moves the hints several embedding widths within an epoch), the kept epoch chosen
   * by dev ranking (the untrained module included), and 2 hard negatives per query drawn from its
   * mined ones instead of in-batch negatives (the other queries' positives are easy negatives that
   * cost as much as hard ones).
   */
  public static Recipe defaults(Variant variant) {
    PeftConfig.Builder peft =
        PeftConfig.builder().setVariant(variant).optResidualMlp(true).optMinSimilarity(1);
    TrainConfig.Builder train =
        TrainConfig.builder()
            .optLearningRate(1e-3)
            .optSelection(Selection.RANKING)
            .optInBatchNegatives(false)
            .optHardNegatives(2)
            .optSampleHardNegatives(true);
    if (variant == Variant.ATTENTION) {
      peft.optAttentionInit(AttentionInit.IDENTITY)
          .optAttentionScore(AttentionScore.COSINE)
          .optAttentionTemperature(10);
      train.optMatchLrScale(0.1);
    }
    return new Recipe(peft.build(), train.build());
  }

  /**
   * The official code's training of {@code variant} on {@code dataset} ({@code nq}, {@code tqa},
   * {@code webq} or {@code squad}; null: nq): an optimizer step every 2 (positive, negative) pairs
   * without gradient clipping, patience 6 ({@code early_stop_epoch > 5}), Q-PEFT-A's packed Xavier
   * in-projection, hints drawn from the whole prompt, Q-PEFT-R's query side from the trainable copy
   * with only the duplicate filter and resampling up to k, the hint words through the MLP, long
   * passages cut at the start, and the per-dataset margins and top-k of the paper.
   */
  public static Recipe paper(Variant variant, String dataset) {
    String ds = dataset == null ? "nq" : dataset.toLowerCase(Locale.ROOT);
    boolean retrieval = variant == Variant.RETRIEVAL;
    double margin;
    int topK;
    switch (ds) {
      case "nq" -> {
        margin = retrieval ? 0.7 : 0;
        topK = 15;
      }
      case "webq" -> {
        margin = retrieval ? 0 : 0.9;
        topK = 20;
      }
      case "squad" -> {
        margin = retrieval ? 0 : 0.5;
        topK = 10;
      }
      case "tqa" -> {
        margin = retrieval ? 1.1 : 0.3;
        topK = 20;
      }
      default ->
          throw new IllegalArgumentException(
              "unknown --dataset '" + dataset + "'; allowed: nq, tqa, webq, squad");
    }
    PeftConfig peft =
        PeftConfig.builder()
            .setVariant(variant)
            .optTopK(topK)
            .optAttentionInit(AttentionInit.XAVIER_PACKED)
            .optHintSource(HintSource.PROMPT)
            .optTrainableQuerySide(true)
            .optStopWords(false) // the official filter mode "d": duplicates only
            .optAlphabeticOnly(false)
            .optResample(true)
            .optWrapHints(true)
            .optTruncation(Truncation.END)
            .build();
    TrainConfig train =
        TrainConfig.builder()
            .optPairsPerStep(2)
            .optClipNorm(0)
            .optPatience(6)
            .optSampleHardNegatives(true)
            .optMargin(margin)
            .build();
    return new Recipe(peft, train);
  }
}
