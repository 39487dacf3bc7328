package io.qpeft.peft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named tensors of an adapter (PyTorch-style names such as {@code mlp.0.weight}), in a fixed
 * order, and which of them are trained. Frozen ones (the soft prompt unless prompt tuning) are
 * saved too, so an adapter folder is self-contained.
 */
public final class ParameterSet {
  /** The learnable copy of the LM's input embedding table, {@code (vocab, hidden)}. */
  public static final String EMBEDDING = "embedding.weight";

  /** The soft prompt vectors, {@code (n, hidden)}. */
  public static final String SOFT_PROMPT = "soft_prompt";

  private final Map<String, Tensor> tensors = new LinkedHashMap<>();
  private final Set<String> trainable = new LinkedHashSet<>();

  public void put(String name, Tensor tensor, boolean train) {
    tensors.put(name, tensor);
    if (train) trainable.add(name);
    else trainable.remove(name);
  }

  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null)
      throw new IllegalArgumentException("no parameter '" + name + "'; have " + tensors.keySet());
    return t;
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  public boolean isTrainable(String name) {
    return trainable.contains(name);
  }

  public List<String> names() {
    return List.copyOf(tensors.keySet());
  }

  public List<String> trainableNames() {
    return List.copyOf(trainable);
  }

  public Map<String, Tensor> asMap() {
    return Collections.unmodifiableMap(tensors);
  }

  /** Number of trainable scalars. */
  public long trainableCount() {
    long n = 0;
    for (String name : trainable) n += tensors.get(name).data().length;
    return n;
  }

  /** A deep copy. */
  public ParameterSet copy() {
    ParameterSet c = new ParameterSet();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      c.put(e.getKey(), e.getValue().copy(), trainable.contains(e.getKey()));
    }
    return c;
  }

  /** Overwrites this set's values with {@code other}'s (same names and shapes). */
  public void assign(ParameterSet other) {
    for (String name : new ArrayList<>(tensors.keySet())) {
      float[] src = other.get(name).data();
      System.arraycopy(src, 0, get(name).data(), 0, src.length);
    }
  }

  /** Same names, shapes and bitwise-equal values. */
  public boolean sameAs(ParameterSet o) {
    if (!tensors.keySet().equals(o.tensors.keySet())) return false;
    for (String name : tensors.keySet()) {
      if (!get(name).sameAs(o.get(name))) return false;
    }
    return true;
  }
}
