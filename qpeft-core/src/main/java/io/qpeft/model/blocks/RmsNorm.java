package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.qpeft.model.TensorSource;

/**
 * RMSNorm, {@code x / sqrt(mean(x^2) + eps) * weight} over the last axis (no mean subtraction, no
 * bias), as Llama's. Gemma's {@code (1 + w)} form is this with the weight {@code 1 + w} computed
 * once in float32 when the weights are loaded.
 */
public final class RmsNorm {
  private RmsNorm() {}

  /**
   * {@code eps} is a scalar array owned by the call's manager. A half-precision {@code x} is
   * normalised in F32 and cast back before the weight, as Hugging Face does ({@code x^2} overflows
   * F16 from {@code |x| = 256}); at F32 the casts are no-ops.
   */
  public static NDArray apply(NDArray x, NDArray weight, NDArray eps, boolean inPlace) {
    NDArray xf = Ops.cast(x, DataType.FLOAT32, !inPlace);
    NDArray rms = xf.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return Ops.mul(Ops.cast(xf.div(rms), x.getDataType(), !inPlace), weight, inPlace);
  }

  /**
   * A Gemma norm weight {@code w} as the multiplier {@code 1 + w}, computed once in float32 (as
   * Gemma's RMSNorm does it, {@code (1.0 + weight.float())}), owned by {@code manager}.
   */
  public static NDArray gemmaWeight(TensorSource w, NDManager manager, String name, long d) {
    NDArray raw = w.get(manager, name, d);
    NDArray onePlus = raw.add(manager.create(1f));
    raw.close(); // a view of the file mapping or a widened copy; only 1 + w is kept
    return onePlus;
  }
}
