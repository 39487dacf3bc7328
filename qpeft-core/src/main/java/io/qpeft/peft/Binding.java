package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The parameters of a {@link ParameterSet} as NDArrays of one call's manager. With {@code
 * withGradient}, trainable ones require gradients, and {@link #addGradientsTo} reads them back.
 *
 * <p>The learnable embedding table is never copied whole: only the rows a call reads ({@code
 * rowIds}) become a small local table, so a step costs O(rows used), not O(vocab); its gradient is
 * scattered back into the full table's gradient.
 */
public final class Binding {
  private final NDManager manager;
  private final ParameterSet params;
  private final boolean withGradient;
  private final Map<String, NDArray> bound = new HashMap<>();
  private final int[] rowIds;
  private final Map<Integer, Integer> localRow = new HashMap<>();
  private NDArray rows;

  /**
   * @param rowIds learnable-embedding rows the call may read (duplicates allowed)
   */
  public Binding(NDManager manager, ParameterSet params, int[] rowIds, boolean withGradient) {
    this.manager = manager;
    this.params = params;
    this.withGradient = withGradient;
    this.rowIds = Arrays.stream(rowIds).distinct().sorted().toArray();
    for (int i = 0; i < this.rowIds.length; i++) localRow.put(this.rowIds[i], i);
  }

  /** Whether trainable parameters were bound with gradients (training) or not (scoring). */
  public boolean withGradient() {
    return withGradient;
  }

  public NDManager manager() {
    return manager;
  }

  /** The parameter {@code name} (not the embedding table), created on first use. */
  public NDArray get(String name) {
    return bound.computeIfAbsent(
        name,
        n -> {
          Tensor t = params.get(n);
          NDArray a = manager.create(t.data(), new Shape(t.longShape()));
          if (withGradient && params.isTrainable(n)) a.setRequiresGradient(true);
          return a;
        });
  }

  /** Rows of the learnable embedding copy for {@code ids}: {@code (ids.length, hidden)}. */
  public NDArray embed(int[] ids) {
    if (rows == null) {
      Tensor table = params.get(ParameterSet.EMBEDDING);
      int d = table.shape()[1];
      float[] local = new float[rowIds.length * d];
      for (int i = 0; i < rowIds.length; i++)
        System.arraycopy(table.data(), rowIds[i] * d, local, i * d, d);
      rows = manager.create(local, new Shape(rowIds.length, d));
      if (withGradient && params.isTrainable(ParameterSet.EMBEDDING))
        rows.setRequiresGradient(true);
    }
    long[] idx = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      Integer r = localRow.get(ids[i]);
      if (r == null)
        throw new IllegalStateException("embedding row " + ids[i] + " was not bound for this call");
      idx[i] = r;
    }
    return Embedding.embedding(manager.create(idx), rows, SparseFormat.DENSE).singletonOrThrow();
  }

  /**
   * Adds the gradient of every bound trainable parameter into {@code grads} (name -> full-size
   * buffer).
   */
  public void addGradientsTo(Map<String, float[]> grads) {
    for (Map.Entry<String, NDArray> e : bound.entrySet()) {
      if (!params.isTrainable(e.getKey())) continue;
      float[] g = e.getValue().getGradient().toFloatArray();
      float[] into = grads.get(e.getKey());
      for (int i = 0; i < g.length; i++) into[i] += g[i];
    }
    if (rows != null && params.isTrainable(ParameterSet.EMBEDDING)) {
      float[] g = rows.getGradient().toFloatArray();
      float[] into = grads.get(ParameterSet.EMBEDDING);
      int d = params.get(ParameterSet.EMBEDDING).shape()[1];
      for (int i = 0; i < rowIds.length; i++) {
        int base = rowIds[i] * d;
        for (int k = 0; k < d; k++) into[base + k] += g[i * d + k];
      }
    }
  }
}
