package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * Element-wise steps of the forward pass that may work in place. With {@code inPlace} (no gradient
 * wanted) they overwrite their first argument, which must be a fresh intermediate; on CPU,
 * allocating and first touching large arrays costs more than the arithmetic. Autograd forbids it,
 * so the gradient path passes {@code false}.
 */
public final class Ops {
  private Ops() {}

  /** {@code a + b}, written into {@code a} when {@code inPlace}. */
  public static NDArray add(NDArray a, NDArray b, boolean inPlace) {
    return inPlace ? a.addi(b) : a.add(b);
  }

  /** {@code a * b}, written into {@code a} when {@code inPlace}. */
  public static NDArray mul(NDArray a, NDArray b, boolean inPlace) {
    return inPlace ? a.muli(b) : a.mul(b);
  }

  /** {@code a / b}, written into {@code a} when {@code inPlace}. */
  public static NDArray div(NDArray a, NDArray b, boolean inPlace) {
    return inPlace ? a.divi(b) : a.div(b);
  }

  /** {@code x W^T (+ bias)}, an {@code nn.Linear} whose weight is stored {@code [out, in]}. */
  public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
        .singletonOrThrow();
  }

  /**
   * {@code x} as {@code type} ({@code x} itself if it already is). DJL's {@code toType} runs
   * without autograd, so when a gradient may be taken ({@code differentiable}) the cast goes
   * through a cumulative product over a new unit axis with an output type: the identity, which
   * PyTorch differentiates.
   */
  public static NDArray cast(NDArray x, DataType type, boolean differentiable) {
    if (x.getDataType() == type) return x;
    if (!differentiable) return x.toType(type, false);
    int axis = x.getShape().dimension();
    return x.expandDims(axis).cumProd(axis, type).squeeze(axis);
  }

  /**
   * A float scalar owned by {@code like}'s manager, whose memory PyTorch owns. DJL's {@code
   * create(float)} wraps a Java direct buffer without copying it ({@code from_blob}); closing the
   * array (an {@code NDScope} closing a layer's intermediates) lets the garbage collector free that
   * buffer while autograd still holds the tensor for the backward pass, which then reads freed
   * memory (NaN or wrong gradients, only when a GC lands in between). {@code full} allocates in
   * PyTorch, so a closed handle only drops a reference. DJL's Number overloads create and close
   * such an array per call: never use them on the gradient path.
   */
  public static NDArray scalar(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value);
  }

  /**
   * Soft-capping {@code cap * tanh(x / cap)} (Gemma 2's attention and final logits); {@code cap} is
   * a scalar array.
   */
  public static NDArray softCap(NDArray x, NDArray cap, boolean inPlace) {
    return mul(div(x, cap, inPlace).tanh(), cap, inPlace);
  }
}
