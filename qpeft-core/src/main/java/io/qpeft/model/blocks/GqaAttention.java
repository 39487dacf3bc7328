package io.qpeft.model.blocks;

import ai.djl.ndarray.NDArray;
import io.qpeft.model.ModelConfig;

/**
 * Grouped-query attention: query head {@code h} reads key/value head {@code h / (heads / kvHeads)}
 * (integer division, not {@code h % kvHeads}). Queries are laid out {@code (b, kvHeads, group, t,
 * headDim)} and keys/values {@code (b, kvHeads, 1, t, headDim)}, so one batched matMul broadcasts
 * each key/value head over its group without copying it. Multi-head attention (GPT-2) is the case
 * {@code kvHeads == heads}.
 */
public final class GqaAttention {
  private final int heads;
  private final int kvHeads;
  private final int group;
  private final int headDim;

  public GqaAttention(ModelConfig c) {
    heads = c.numAttentionHeads();
    kvHeads = c.numKeyValueHeads();
    group = heads / kvHeads;
    headDim = c.headDim();
  }

  /** Projected queries {@code (b, t, heads * headDim)} -> {@code (b, kv, group, t, headDim)}. */
  public NDArray queries(NDArray q, long b, int t) {
    return q.reshape(b, t, kvHeads, group, headDim).transpose(0, 2, 3, 1, 4);
  }

  /** Projected keys or values {@code (b, t, kv * headDim)} -> {@code (b, kv, 1, t, headDim)}. */
  public NDArray keysOrValues(NDArray kv, long b, int t) {
    return kv.reshape(b, t, kvHeads, 1, headDim).transpose(0, 2, 3, 1, 4);
  }

  /**
   * {@code softmax(cap(q k^T * scale) + mask) v}, heads concatenated back to {@code (b, t, heads *
   * headDim)}. {@code scale} is a scalar array; {@code softCap} (Gemma 2's attention-logit
   * soft-capping, applied before the mask) is a scalar array or null; {@code mask} is {@code (t,
   * t)} from {@link AttentionMasks}.
   */
  public NDArray attend(
      NDArray q,
      NDArray k,
      NDArray v,
      NDArray scale,
      NDArray softCap,
      NDArray mask,
      long b,
      int t,
      boolean inPlace) {
    NDArray scores = Ops.mul(q.matMul(k.transpose(0, 1, 2, 4, 3)), scale, inPlace); // (b,kv,g,t,t)
    if (softCap != null) scores = Ops.softCap(scores, softCap, inPlace);
    scores = Ops.add(scores, mask, inPlace);
    NDArray out = scores.softmax(-1).matMul(v); // (b, kv, g, t, hd)
    return out.transpose(0, 3, 1, 2, 4).reshape(b, t, (long) heads * headDim);
  }
}
