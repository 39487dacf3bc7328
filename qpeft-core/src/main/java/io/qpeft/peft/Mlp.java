package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.util.Map;

/**
 * The hint MLP of Q-PEFT: {@code Linear(d, d) -> ReLU -> Linear(d, d)}, applied to every hint
 * vector; or, residual, {@code x + Linear(ReLU(Linear(x)))} with the last layer starting at zero
 * (as LoRA starts its B at zero), so that training starts from the untrained hints themselves
 * instead of a random map of them. Weights are stored {@code (out, in)} as PyTorch's {@code
 * nn.Linear}; names follow {@code nn.Sequential}.
 */
public final class Mlp {
  public static final String W1 = "mlp.0.weight";
  public static final String B1 = "mlp.0.bias";
  public static final String W2 = "mlp.2.weight";
  public static final String B2 = "mlp.2.bias";

  private Mlp() {}

  /**
   * PyTorch's default Linear initialisation: weight and bias ~ U(-1/sqrt(d), 1/sqrt(d)); with
   * {@code residual} the last layer starts at zero.
   */
  public static void init(Map<String, Tensor> out, int d, Rng rng, boolean residual) {
    out.put(W1, uniform(rng, 1 / Math.sqrt(d), d, d));
    out.put(B1, uniform(rng, 1 / Math.sqrt(d), d));
    Tensor w2 = uniform(rng, 1 / Math.sqrt(d), d, d);
    Tensor b2 = uniform(rng, 1 / Math.sqrt(d), d);
    out.put(W2, residual ? Tensor.zeros(d, d) : w2); // drawn anyway: the same stream either way
    out.put(B2, residual ? Tensor.zeros(d) : b2);
  }

  /** {@code x (n, d)} -> {@code (n, d)}; the backward pass is autograd through these lines. */
  public static NDArray forward(Binding b, NDArray x, boolean residual) {
    NDArray h =
        Activation.relu(Linear.linear(x, b.get(W1), b.get(B1)).singletonOrThrow()); // (n, d)
    NDArray y = Linear.linear(h, b.get(W2), b.get(B2)).singletonOrThrow(); // (n, d)
    return residual ? y.add(x) : y;
  }

  static Tensor uniform(Rng rng, double limit, int... shape) {
    Tensor t = Tensor.zeros(shape);
    for (int i = 0; i < t.data().length; i++) t.data()[i] = rng.uniform(limit);
    return t;
  }
}
