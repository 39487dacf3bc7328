package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;

/**
 * RMSNorm, {@code x / sqrt(mean(x^2) + eps) * weight} over the last axis (no mean subtraction, no
 * bias), as Llama's. Gemma's {@code (1 + w)} form is this with the weight {@code 1 + w} computed
 * once in float32 when the weights are loaded.
 */
public final class RmsNorm {
  private RmsNorm() {}

  /** {@code eps} is a scalar array owned by the call's manager. */
  public static NDArray apply(NDArray x, NDArray weight, NDArray eps, boolean inPlace) {
    NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return Ops.mul(x.div(rms), weight, inPlace);
  }
}
