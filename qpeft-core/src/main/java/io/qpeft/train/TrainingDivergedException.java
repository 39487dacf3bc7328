package io.qpeft.train;

/** The loss became NaN or infinite; the last good checkpoint is left in place. */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingDivergedException(String message) {
    super(message);
  }
}
