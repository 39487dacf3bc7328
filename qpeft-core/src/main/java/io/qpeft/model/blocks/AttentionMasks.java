package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.qpeft.model.ModelConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The additive attention masks {@code (t, t)} of one forward pass, one per distinct window, made
 * once and shared by the layers that use them: 0 where query {@code i} may see key {@code j}, -inf
 * elsewhere. Causal: {@code j <= i}; a sliding window {@code w} also needs {@code j > i - w} (at
 * most {@code w} keys, itself included), as Hugging Face's Mistral, Gemma 2 and Phi-3 apply it. The
 * window counts sequence positions, and batches are right-padded, so padding never changes which
 * real keys a real query sees: no separate key mask is needed.
 */
public final class AttentionMasks {
  private final NDManager manager;
  private final int tokens;
  private final ModelConfig config;
  private final DataType type;
  private final Map<Integer, NDArray> byWindow = new HashMap<>();

  /** F32 masks for {@code tokens} positions; the layers' windows come from {@code config}. */
  public AttentionMasks(NDManager manager, int tokens, ModelConfig config) {
    this(manager, tokens, config, DataType.FLOAT32);
  }

  /** Masks of the attention scores' {@code type} (an F32 mask would promote F16 scores). */
  public AttentionMasks(NDManager manager, int tokens, ModelConfig config, DataType type) {
    this.manager = manager;
    this.tokens = tokens;
    this.config = config;
    this.type = type;
  }

  /** The mask of layer {@code layer}: causal, windowed if the config gives it a window. */
  public NDArray forLayer(int layer) {
    return forWindow(config.attentionWindow(layer));
  }

  /** The causal mask with window {@code window} (0: none). */
  public NDArray forWindow(int window) {
    int w = window <= 0 || window >= tokens ? 0 : window; // a window wider than t is no window
    return byWindow.computeIfAbsent(w, k -> create(manager, tokens, k).toType(type, false));
  }

  /** The additive causal mask {@code (t, t)}, windowed when {@code window > 0}. */
  public static NDArray create(NDManager m, int t, int window) {
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < t; j++) {
        boolean visible = j <= i && (window <= 0 || j > i - window);
        if (!visible) mask[i * t + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return m.create(mask, new Shape(t, t));
  }
}
