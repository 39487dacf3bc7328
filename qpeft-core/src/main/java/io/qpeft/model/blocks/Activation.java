package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.List;

/** The MLP activations of the supported families, by their Hugging Face names. */
public enum Activation {
  /** {@code silu(x) = x * sigmoid(x)} (Llama, Mistral, Qwen, Phi-3). */
  SILU("silu"),
  /**
   * The tanh approximation of GELU, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}:
   * GPT-2's {@code gelu_new} and Gemma's {@code gelu_pytorch_tanh} are the same function.
   */
  GELU_TANH("gelu_pytorch_tanh", "gelu_new");

  private final List<String> names;

  Activation(String... names) {
    this.names = List.of(names);
  }

  /** The activation named {@code name} in a config; UnsupportedOperationException lists ours. */
  public static Activation fromName(String name, String field) {
    for (Activation a : values()) {
      if (a.names.contains(name)) return a;
    }
    throw new UnsupportedOperationException(
        field
            + " '"
            + name
            + "' is not supported; supported: "
            + Arrays.stream(values()).flatMap(a -> a.names.stream()).toList());
  }

  /** The activation of {@code x}; {@code inPlace} reuses its own intermediates, never {@code x}. */
  public NDArray apply(NDArray x, boolean inPlace) {
    return switch (this) {
      case SILU -> Ops.mul(x.getNDArrayInternal().sigmoid(), x, inPlace); // fresh sigmoid first
      case GELU_TANH -> geluTanh(x, inPlace);
    };
  }

  private static NDArray geluTanh(NDArray x, boolean inPlace) {
    NDArray half = Ops.scalar(x, 0.5);
    NDArray one = Ops.scalar(x, 1.0);
    NDArray c = Ops.scalar(x, Math.sqrt(2 / Math.PI));
    NDArray k = Ops.scalar(x, 0.044715);
    NDArray cube = Ops.mul(Ops.mul(x.mul(x), x, inPlace), k, inPlace); // 0.044715 x^3
    NDArray inner = Ops.mul(Ops.add(cube, x, inPlace), c, inPlace).tanh();
    return Ops.mul(Ops.mul(Ops.add(inner, one, inPlace), x, inPlace), half, inPlace);
  }
}
