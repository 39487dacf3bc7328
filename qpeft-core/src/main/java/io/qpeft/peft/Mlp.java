package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * The hint MLP of Q-PEFT: {@code Linear(d, d) -> ReLU -> Linear(d, d)}, applied to every hint
 * vector. Weights are stored {@code (out, in)} as PyTorch's {@code nn.Linear}; names follow {@code
 * nn.Sequential}.
 */
public final class Mlp {
  public static final String W1 = "mlp.0.weight";
  public static final String B1 = "mlp.0.bias";
  public static final String W2 = "mlp.2.weight";
  public static final String B2 = "mlp.2.bias";

  private Mlp() {}

  /** PyTorch's default Linear initialisation: weight and bias ~ U(-1/sqrt(d), 1/sqrt(d)). */
  public static void init(Map<String, Tensor> out, int d, Rng rng) {
    out.put(W1, uniform(rng, 1 / Math.sqrt(d), d, d));
    out.put(B1, uniform(rng, 1 / Math.sqrt(d), d));
    out.put(W2, uniform(rng, 1 / Math.sqrt(d), d, d));
    out.put(B2, uniform(rng, 1 / Math.sqrt(d), d));
  }

  /** {@code x (n, d)} -> {@code (n, d)}; the backward pass is autograd through these two lines. */
  public static NDArray forward(Binding b, NDArray x) {
    NDArray h =
        Activation.relu(Linear.linear(x, b.get(W1), b.get(B1)).singletonOrThrow()); // (n, d)
    return Linear.linear(h, b.get(W2), b.get(B2)).singletonOrThrow(); // (n, d)
  }

  static Tensor uniform(Rng rng, double limit, int... shape) {
    Tensor t = Tensor.zeros(shape);
    for (int i = 0; i < t.data().length; i++) t.data()[i] = rng.uniform(limit);
    return t;
  }
}
