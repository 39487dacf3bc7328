package io.qpeft.train;

import java.util.Locale;

/** What picks the adapter that training keeps (and what early stopping watches). */
public enum Selection {
  /** The lowest dev loss (the paper's choice). */
  LOSS,
  /**
   * The highest dev nDCG@10 when each dev query's positives and hard negatives are reranked: the
   * loss is dominated by its pointwise part (how likely the query is at all), which can fall while
   * the ranking gets worse.
   */
  RANKING;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Selection parse(String s) {
    for (Selection v : values()) if (v.id().equalsIgnoreCase(s)) return v;
    throw new IllegalArgumentException("unknown selection '" + s + "'; allowed: loss, ranking");
  }
}
