package io.qpeft.rerank;

/** How a query's token log-likelihoods become one score. */
public enum Aggregation {
  /** Mean token log-likelihood, as UPR and Q-PEFT score. */
  MEAN,
  /** Sum of token log-likelihoods: log P(query | passage). */
  SUM;

  public static Aggregation parse(String s) {
    for (Aggregation a : values()) {
      if (a.name().equalsIgnoreCase(s)) return a;
    }
    throw new IllegalArgumentException("unknown aggregation '" + s + "'; allowed: mean, sum");
  }
}
