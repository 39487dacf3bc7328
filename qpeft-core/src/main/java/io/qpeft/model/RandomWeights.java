package io.qpeft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Seeded random weights of any shape, for benchmarking a model shape without downloading it. Norm
 * weights ({@code *norm*}, {@code ln_*}) are ones, biases small, matrices N(0, 0.02) as HF
 * initialises.
 */
public final class RandomWeights implements TensorSource {
  private final long seed;

  public RandomWeights(long seed) {
    this.seed = seed;
  }

  @Override
  public NDArray get(NDManager manager, String name, long... shape) {
    long n = new Shape(shape).size();
    float[] values = new float[Math.toIntExact(n)];
    SplittableRandom rnd = new SplittableRandom(seed ^ name.hashCode());
    boolean norm = name.contains("norm") || name.contains("ln_");
    boolean bias = name.endsWith(".bias");
    for (int i = 0; i < values.length; i++) {
      values[i] = norm && !bias ? 1f : (float) (gaussian(rnd) * (bias ? 0.01 : 0.02));
    }
    return manager.create(values, new Shape(shape));
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
