package io.qpeft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Where a model's named F32 tensors come from: a safetensors folder, or random values for
 * benchmarks.
 */
public interface TensorSource {
  /**
   * Tensor {@code name} of the given shape, owned by {@code manager}; a clear error if absent or
   * misshapen.
   */
  NDArray get(NDManager manager, String name, long... shape);

  boolean contains(String name);
}
