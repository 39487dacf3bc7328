package io.qpeft.peft;

import java.util.Locale;

/** How Q-PEFT-A scores a query row against a key row before the softmax. */
public enum AttentionScore {
  /** The paper's (and PyTorch's) scaled dot product {@code q.k / sqrt(d/h)}. */
  DOT,
  /**
   * A scaled cosine {@code tau * cos(q, k)} (as in Swin Transformer V2): its sharpness does not
   * depend on the embedding norms, so an exact token match dominates from the first step.
   */
  COSINE;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static AttentionScore parse(String s) {
    for (AttentionScore a : values()) if (a.id().equalsIgnoreCase(s)) return a;
    throw new IllegalArgumentException("unknown attention score '" + s + "'; allowed: dot, cosine");
  }
}
