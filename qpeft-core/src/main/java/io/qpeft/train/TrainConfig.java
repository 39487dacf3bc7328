package io.qpeft.train;

/**
 * Training hyper-parameters; {@link #defaults()} is the Q-PEFT recipe (AdamW lr 3e-2, batches of 4
 * queries, in-batch + 1 hard negative, hinge + pointwise loss, 20 epochs, patience 5, seed 42).
 * Build with {@link #builder()} (every field has a default) or {@link #toBuilder()}; a new
 * hyper-parameter is a component here, a field and an {@code optX} in the builder.
 *
 * @param batchQueries queries per optimizer step
 * @param hardNegatives hard negatives taken per query (each is a negative for every query in the
 *     batch)
 * @param inBatchNegatives use the other queries' positives as negatives
 * @param margin hinge margin of the pairwise loss
 * @param clipNorm clip the global gradient norm to this; 0 disables clipping
 * @param linearDecay decay the learning rate linearly to 0 over all planned steps
 * @param patience stop after this many epochs without a better dev loss
 * @param checkpointEvery write a checkpoint every this many steps (and at every epoch end); 0:
 *     epoch ends only
 * @param pairsPerStep 0: one optimizer step per batch of queries, over all its (positive, negative)
 *     pairs; n > 0: the batch's pairs in order, n at a time, one step each (the official Q-PEFT
 *     code takes a step every 2 pairs)
 * @param matchLrScale learning-rate factor for the parameters that decide where a hint looks
 *     (Q-PEFT-A's query side: embedding copy and q/k projections); 1: one learning rate
 * @param selection what keeps the best adapter and drives early stopping
 * @param batchTokens padded tokens per forward pass of a step: a step's pairs share passes as
 *     scoring does; when they need more than one pass, a first pass without gradient gives the
 *     loss's gradient with respect to each pair's NLL, and each pass then back-propagates its
 *     share, so memory is bounded by one pass at the cost of one extra forward; 0: one pass
 */
public record TrainConfig(
    double learningRate,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    int epochs,
    int batchQueries,
    int hardNegatives,
    boolean inBatchNegatives,
    LossType loss,
    double margin,
    double clipNorm,
    boolean linearDecay,
    int patience,
    long seed,
    int checkpointEvery,
    int pairsPerStep,
    double matchLrScale,
    Selection selection,
    int batchTokens) {

  public TrainConfig {
    require(
        learningRate > 0 && Double.isFinite(learningRate),
        "--lr must be positive, got " + learningRate);
    require(weightDecay >= 0, "--weight-decay must be >= 0, got " + weightDecay);
    require(epochs > 0, "--epochs must be positive, got " + epochs);
    require(batchQueries > 0, "--batch-queries must be positive, got " + batchQueries);
    require(hardNegatives >= 0, "--hard-negatives must be >= 0, got " + hardNegatives);
    require(
        margin >= 0 && Double.isFinite(margin),
        "--margin must be a non-negative finite value, got " + margin);
    require(clipNorm >= 0, "--clip-norm must be >= 0, got " + clipNorm);
    require(patience > 0, "--patience must be positive, got " + patience);
    require(checkpointEvery >= 0, "--checkpoint-every must be >= 0, got " + checkpointEvery);
    require(pairsPerStep >= 0, "--pairs-per-step must be >= 0, got " + pairsPerStep);
    require(
        matchLrScale > 0 && Double.isFinite(matchLrScale),
        "--match-lr-scale must be positive, got " + matchLrScale);
    require(batchTokens >= 0, "--train-batch-tokens must be >= 0, got " + batchTokens);
    if (loss == null) loss = LossType.BOTH;
    if (selection == null) selection = Selection.LOSS;
  }

  public static TrainConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.beta1 = beta1;
    b.beta2 = beta2;
    b.eps = eps;
    b.epochs = epochs;
    b.batchQueries = batchQueries;
    b.hardNegatives = hardNegatives;
    b.inBatchNegatives = inBatchNegatives;
    b.loss = loss;
    b.margin = margin;
    b.clipNorm = clipNorm;
    b.linearDecay = linearDecay;
    b.patience = patience;
    b.seed = seed;
    b.checkpointEvery = checkpointEvery;
    b.pairsPerStep = pairsPerStep;
    b.matchLrScale = matchLrScale;
    b.selection = selection;
    b.batchTokens = batchTokens;
    return b;
  }

  /** Builder in DJL's style: every setting is optional ({@code optX}), defaults are the recipe. */
  public static final class Builder {
    private double learningRate = 3e-2;
    private double weightDecay = 0.01;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private int epochs = 20;
    private int batchQueries = 4;
    private int hardNegatives = 1;
    private boolean inBatchNegatives = true;
    private LossType loss = LossType.BOTH;
    private double margin = 0.5;
    private double clipNorm = 1.0;
    private boolean linearDecay;
    private int patience = 5;
    private long seed = 42;
    private int checkpointEvery = 50;
    private int pairsPerStep;
    private double matchLrScale = 1;
    private Selection selection = Selection.LOSS;
    private int batchTokens = 8192;

    private Builder() {}

    public Builder optLearningRate(double lr) {
      this.learningRate = lr;
      return this;
    }

    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** AdamW's moment decay rates. */
    public Builder optBetas(double beta1, double beta2) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      return this;
    }

    public Builder optEps(double eps) {
      this.eps = eps;
      return this;
    }

    public Builder optEpochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder optBatchQueries(int batchQueries) {
      this.batchQueries = batchQueries;
      return this;
    }

    public Builder optHardNegatives(int hardNegatives) {
      this.hardNegatives = hardNegatives;
      return this;
    }

    public Builder optInBatchNegatives(boolean inBatchNegatives) {
      this.inBatchNegatives = inBatchNegatives;
      return this;
    }

    public Builder optLoss(LossType loss) {
      this.loss = loss;
      return this;
    }

    public Builder optMargin(double margin) {
      this.margin = margin;
      return this;
    }

    public Builder optClipNorm(double clipNorm) {
      this.clipNorm = clipNorm;
      return this;
    }

    public Builder optLinearDecay(boolean linearDecay) {
      this.linearDecay = linearDecay;
      return this;
    }

    public Builder optPatience(int patience) {
      this.patience = patience;
      return this;
    }

    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder optCheckpointEvery(int steps) {
      this.checkpointEvery = steps;
      return this;
    }

    public Builder optPairsPerStep(int pairs) {
      this.pairsPerStep = pairs;
      return this;
    }

    public Builder optMatchLrScale(double scale) {
      this.matchLrScale = scale;
      return this;
    }

    public Builder optSelection(Selection selection) {
      this.selection = selection;
      return this;
    }

    public Builder optBatchTokens(int tokens) {
      this.batchTokens = tokens;
      return this;
    }

    /** Validates and builds; a bad value fails naming the option and what is allowed. */
    public TrainConfig build() {
      return new TrainConfig(
          learningRate,
          weightDecay,
          beta1,
          beta2,
          eps,
          epochs,
          batchQueries,
          hardNegatives,
          inBatchNegatives,
          loss,
          margin,
          clipNorm,
          linearDecay,
          patience,
          seed,
          checkpointEvery,
          pairsPerStep,
          matchLrScale,
          selection,
          batchTokens);
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }
}
