package io.qpeft.model;

import java.util.List;

/**
 * A {@code rope_scaling} (or, in newer configs, {@code rope_parameters}) block that changes the
 * rotary frequencies, as Hugging Face's {@code modeling_rope_utils} computes them.
 *
 * <ul>
 *   <li>{@code llama3} (Llama 3.1/3.2): wavelengths longer than {@code original / lowFreqFactor}
 *       are stretched by {@code factor}, shorter than {@code original / highFreqFactor} kept, and
 *       interpolated in between.
 *   <li>{@code longrope} (Phi-3.5, Phi-4-mini): {@code inv_freq[i] / shortFactor[i]} and cos/sin
 *       times {@code attentionFactor}. Hugging Face switches to {@code longFactor} once a forward
 *       pass is longer than {@code original_max_position_embeddings}, which would make a sequence's
 *       numbers depend on its batch; we keep to the short factors and refuse longer sequences.
 * </ul>
 *
 * @param type {@code llama3} or {@code longrope}
 * @param originalMaxPositionEmbeddings the pre-training context length the scaling refers to
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositionEmbeddings,
    double[] shortFactor,
    double attentionFactor) {

  /** Every {@code rope_type} we compute exactly ({@code default} means no scaling). */
  public static final List<String> SUPPORTED = List.of("default", "llama3", "longrope");

  public RopeScaling {
    if (!SUPPORTED.contains(type) || type.equals("default")) {
      throw new IllegalArgumentException("rope scaling type must be llama3 or longrope: " + type);
    }
    if (originalMaxPositionEmbeddings <= 0) {
      throw new IllegalArgumentException(
          "original_max_position_embeddings must be positive, got "
              + originalMaxPositionEmbeddings);
    }
    shortFactor = shortFactor == null ? null : shortFactor.clone();
  }

  public static RopeScaling llama3(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMax) {
    if (!(factor > 0) || !(highFreqFactor > lowFreqFactor)) {
      throw new IllegalArgumentException(
          "llama3 rope scaling needs factor > 0 and high_freq_factor > low_freq_factor, got factor "
              + factor
              + ", low_freq_factor "
              + lowFreqFactor
              + ", high_freq_factor "
              + highFreqFactor);
    }
    return new RopeScaling("llama3", factor, lowFreqFactor, highFreqFactor, originalMax, null, 1);
  }

  public static RopeScaling longrope(
      double[] shortFactor, double attentionFactor, int originalMax) {
    return new RopeScaling("longrope", 1, 0, 0, originalMax, shortFactor, attentionFactor);
  }

  /**
   * Scales the unscaled inverse frequencies {@code theta^(-2i/d)} in place, {@code d} being the
   * number of rotating dimensions.
   */
  public void scale(double[] invFreq) {
    if (type.equals("longrope")) {
      if (shortFactor.length != invFreq.length) {
        throw new IllegalArgumentException(
            "rope_scaling short_factor has "
                + shortFactor.length
                + " entries, the rotary dimension needs "
                + invFreq.length);
      }
      for (int i = 0; i < invFreq.length; i++) invFreq[i] /= shortFactor[i];
      return;
    }
    double low = originalMaxPositionEmbeddings / lowFreqFactor;
    double high = originalMaxPositionEmbeddings / highFreqFactor;
    for (int i = 0; i < invFreq.length; i++) {
      double wavelen = 2 * Math.PI / invFreq[i];
      if (wavelen > low) {
        invFreq[i] /= factor;
      } else if (wavelen >= high) {
        double s =
            (originalMaxPositionEmbeddings / wavelen - lowFreqFactor)
                / (highFreqFactor - lowFreqFactor);
        invFreq[i] = (1 - s) * invFreq[i] / factor + s * invFreq[i];
      }
    }
  }

  /**
   * The longest sequence these frequencies are exact for: longrope's original context, else none.
   */
  public int maxSequenceLength() {
    return type.equals("longrope") ? originalMaxPositionEmbeddings : Integer.MAX_VALUE;
  }
}
