package io.qpeft.train;

/** Which ranking loss to minimise; L(q|d) is the query's mean token NLL given the passage. */
public enum LossType {
  /** mean over positives of L(q|d+). */
  POINTWISE,
  /** mean over (positive, negative) pairs of ReLU(L(q|d+) - L(q|d-) + margin). */
  PAIRWISE,
  /** PAIRWISE + POINTWISE (the Q-PEFT recipe). */
  BOTH;

  public static LossType parse(String s) {
    for (LossType t : values()) {
      if (t.name().equalsIgnoreCase(s)) return t;
    }
    throw new IllegalArgumentException(
        "unknown loss '" + s + "'; allowed: pointwise, pairwise, both");
  }
}
