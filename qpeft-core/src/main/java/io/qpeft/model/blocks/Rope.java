package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.RopeScaling;

/**
 * Rotary position embeddings in Hugging Face's "rotate_half" form: within the first {@code r}
 * dimensions of each head (all of them unless {@code partial_rotary_factor} < 1, as in Phi-3),
 * pairs {@code (x[i], x[i + r/2])} rotate by {@code position * invFreq[i]}, {@code invFreq[i] =
 * theta^(-2i/r)} (then scaled by {@link RopeScaling}); dimensions from {@code r} on pass unchanged.
 * Positions count from 0 over the whole spliced sequence.
 */
public final class Rope {
  private final int headDim;
  private final int rotaryDim;
  private final double[] invFreq;
  private final double attentionFactor;

  public Rope(ModelConfig c) {
    headDim = c.headDim();
    rotaryDim = (int) (c.headDim() * c.partialRotaryFactor()); // int(), as Hugging Face truncates
    if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
      throw new IllegalArgumentException(
          "partial_rotary_factor "
              + c.partialRotaryFactor()
              + " gives "
              + rotaryDim
              + " rotating dimensions of head_dim "
              + headDim
              + "; they must be a positive even number");
    }
    invFreq = new double[rotaryDim / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = Math.pow(c.ropeTheta(), -2.0 * i / rotaryDim);
    }
    RopeScaling scaling = c.ropeScaling();
    if (scaling != null) scaling.scale(invFreq);
    attentionFactor = scaling == null ? 1 : scaling.attentionFactor();
  }

  /** The inverse frequencies, after scaling (for tests). */
  public double[] inverseFrequencies() {
    return invFreq.clone();
  }

  /**
   * cos and sin tables {@code (t, r)} for positions {@code 0 .. t-1}: angle(p, i) = p * invFreq[i],
   * the two halves equal, times the scaling's attention factor (1 but for longrope).
   */
  public NDArray[] tables(NDManager m, int t) {
    return tables(m, t, DataType.FLOAT32);
  }

  /**
   * As {@link #tables(NDManager, int)}, of the activations' {@code type} (F32 would promote F16).
   */
  public NDArray[] tables(NDManager m, int t, DataType type) {
    int r = rotaryDim;
    int half = r / 2;
    float[] cos = new float[t * r];
    float[] sin = new float[t * r];
    for (int i = 0; i < half; i++) {
      for (int p = 0; p < t; p++) {
        double angle = p * invFreq[i];
        cos[p * r + i] = cos[p * r + i + half] = (float) (Math.cos(angle) * attentionFactor);
        sin[p * r + i] = sin[p * r + i + half] = (float) (Math.sin(angle) * attentionFactor);
      }
    }
    return new NDArray[] {
      m.create(cos, new Shape(t, r)).toType(type, false),
      m.create(sin, new Shape(t, r)).toType(type, false)
    };
  }

  /**
   * Rotates {@code x (..., t, headDim)}: x * cos + rotate_half(x) * sin on the first r dimensions,
   * rotate_half(x) = cat(-x[r/2:r], x[:r/2]); {@code x} itself is never overwritten.
   */
  public NDArray apply(NDArray x, NDArray[] tables, boolean inPlace) {
    int last = x.getShape().dimension() - 1; // DJL's split does not take negative axes
    if (rotaryDim == headDim) return rotate(x, tables, last, inPlace);
    NDList parts = x.split(new long[] {rotaryDim}, last);
    return NDArrays.concat(
        new NDList(rotate(parts.get(0), tables, last, inPlace), parts.get(1)), last);
  }

  private static NDArray rotate(NDArray x, NDArray[] tables, int last, boolean inPlace) {
    NDList halves = x.split(2, last);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), last);
    return Ops.add(x.mul(tables[0]), Ops.mul(rotated, tables[1], inPlace), inPlace);
  }
}
