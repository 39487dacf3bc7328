package io.qpeft.peft;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float32 tensor held in Java memory, row-major. Trainable parameters and optimizer state
 * live here between steps, so they never depend on a DJL manager's lifetime.
 */
public record Tensor(int[] shape, float[] data) {
  public Tensor {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    long n = 1;
    for (int s : shape) {
      if (s < 0)
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      n *= s;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }
  }

  public static Tensor zeros(int... shape) {
    long n = 1;
    for (int s : shape) n *= s;
    return new Tensor(shape.clone(), new float[Math.toIntExact(n)]);
  }

  public Tensor copy() {
    return new Tensor(shape.clone(), data.clone());
  }

  public long[] longShape() {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) out[i] = shape[i];
    return out;
  }

  /** Same shape and bitwise-equal values. */
  public boolean sameAs(Tensor o) {
    return Arrays.equals(shape, o.shape) && Arrays.equals(data, o.data);
  }
}
