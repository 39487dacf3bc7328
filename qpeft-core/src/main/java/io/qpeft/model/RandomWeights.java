package io.qpeft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Seeded random weights of any shape, for benchmarking a model shape without downloading it. Norm
 * weights ({@code *norm*}, {@code ln_*}) are ones, biases N(0, 0.01), matrices N(0, 0.02) as HF
 * initialises.
 *
 * <p>On the CPU the values come from a seeded Java generator (the same for every run and dtype, F16
 * being those values rounded). On a GPU they are drawn there by PyTorch's generator, seeded per
 * tensor: drawing a 7B model's values in Java would take minutes.
 */
public final class RandomWeights implements TensorSource {
  private final long seed;
  private final DType dtype;

  public RandomWeights(long seed) {
    this(seed, DType.F32);
  }

  /** Random weights stored as {@code dtype} (F32 or F16). */
  public RandomWeights(long seed, DType dtype) {
    dtype.dataType(); // rejects AUTO
    this.seed = seed;
    this.dtype = dtype;
  }

  @Override
  public NDArray get(NDManager manager, String name, long... shape) {
    boolean norm = name.contains("norm") || name.contains("ln_");
    boolean bias = name.endsWith(".bias");
    double std = bias ? 0.01 : 0.02;
    if (manager.getDevice().isGpu()) {
      if (norm && !bias) return manager.ones(new Shape(shape), dtype.dataType());
      manager.getEngine().setRandomSeed((int) (seed ^ name.hashCode()));
      return manager.randomNormal(0f, (float) std, new Shape(shape), dtype.dataType());
    }
    long n = new Shape(shape).size();
    float[] values = new float[Math.toIntExact(n)];
    SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode());
    for (int i = 0; i < values.length; i++) {
      values[i] = norm && !bias ? 1f : (float) (gaussian(rnd) * std);
    }
    NDArray f32 = manager.create(values, new Shape(shape));
    if (dtype == DType.F32) return f32;
    NDArray half = f32.toType(dtype.dataType(), false);
    f32.close();
    return half;
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble(1e-12, 1.0);
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  @Override
  public boolean contains(String name) {
    return true;
  }
}
