package io.qpeft.train;

/**
 * Progress callbacks of a {@link Trainer} (the CLI draws a progress bar; tests simulate a kill).
 */
public interface TrainingListener {
  /**
   * After optimizer step {@code step} (1-based, over the whole run) of {@code totalSteps} planned.
   */
  default void onStep(int epoch, long step, long totalSteps, double loss) {}

  /** After each epoch's dev evaluation. */
  default void onEpoch(EpochMetrics metrics) {}

  TrainingListener NONE = new TrainingListener() {};
}
