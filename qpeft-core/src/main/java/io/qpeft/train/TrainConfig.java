package io.qpeft.train;

/**
 * Training hyper-parameters; {@link #defaults()} is the Q-PEFT recipe (AdamW lr 3e-2, batches of 4
 * queries, in-batch + 1 hard negative, hinge + pointwise loss, 20 epochs, patience 5, seed 42).
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
    int checkpointEvery) {

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
    if (loss == null) loss = LossType.BOTH;
  }

  public static TrainConfig defaults() {
    return new TrainConfig(
        3e-2, 0.01, 0.9, 0.999, 1e-8, 20, 4, 1, true, LossType.BOTH, 0.5, 1.0, false, 5, 42, 50);
  }

  public TrainConfig withEpochs(int e) {
    return new TrainConfig(
        learningRate,
        weightDecay,
        beta1,
        beta2,
        eps,
        e,
        batchQueries,
        hardNegatives,
        inBatchNegatives,
        loss,
        margin,
        clipNorm,
        linearDecay,
        patience,
        seed,
        checkpointEvery);
  }

  public TrainConfig withLearningRate(double lr) {
    return new TrainConfig(
        lr,
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
        checkpointEvery);
  }

  public TrainConfig withCheckpointEvery(int n) {
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
        n);
  }

  public TrainConfig withBatch(int queries, int hard) {
    return new TrainConfig(
        learningRate,
        weightDecay,
        beta1,
        beta2,
        eps,
        epochs,
        queries,
        hard,
        inBatchNegatives,
        loss,
        margin,
        clipNorm,
        linearDecay,
        patience,
        seed,
        checkpointEvery);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }
}
