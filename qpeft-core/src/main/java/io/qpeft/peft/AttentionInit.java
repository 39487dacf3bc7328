package io.qpeft.peft;

import java.util.Locale;

/** How Q-PEFT-A's projections start. */
public enum AttentionInit {
  /**
   * As PyTorch's {@code nn.MultiheadAttention}: Xavier-uniform q/k/v projections, zero biases. The
   * scores start near 0, so every hint starts as about the mean of the passage embeddings.
   */
  XAVIER,
  /**
   * Exactly {@code nn.MultiheadAttention(d, h)}: one packed {@code (3d, d)} in-projection,
   * Xavier-uniform over that shape (bound {@code sqrt(6 / 4d)}, smaller than {@link #XAVIER}'s
   * {@code sqrt(6 / 2d)}), zero biases; the official Q-PEFT code uses it.
   */
  XAVIER_PACKED,
  /**
   * q/k/v/out projections start as the identity, biases at zero: with sharp scores each query
   * token's hint starts as the embedding of the passage token most like it (itself, when the
   * passage holds it), the attention analogue of Q-PEFT-R's textual hints.
   */
  IDENTITY;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static AttentionInit parse(String s) {
    for (AttentionInit a : values()) if (a.id().equalsIgnoreCase(s)) return a;
    throw new IllegalArgumentException(
        "unknown attention init '" + s + "'; allowed: xavier, xavier_packed, identity");
  }
}
