package io.qpeft.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.TensorSource;
import io.qpeft.model.TransformerLm;
import io.qpeft.model.blocks.Activation;
import io.qpeft.model.blocks.AttentionMasks;
import io.qpeft.model.blocks.GqaAttention;
import io.qpeft.model.blocks.Ops;

/**
 * GPT-2, matching Hugging Face's {@code GPT2LMHeadModel}: learned positions added to every input
 * row (soft rows too), pre-LayerNorm blocks, fused q/k/v in a {@code Conv1D} whose weight is stored
 * {@code [in, out]} (y = x W + b, no transpose), {@code gelu_new}, and the head tied to the token
 * embedding.
 */
public final class Gpt2Model extends TransformerLm {
  private record Block(
      NDArray ln1Weight,
      NDArray ln1Bias,
      NDArray attnWeight,
      NDArray attnBias,
      NDArray projWeight,
      NDArray projBias,
      NDArray ln2Weight,
      NDArray ln2Bias,
      NDArray fcWeight,
      NDArray fcBias,
      NDArray outWeight,
      NDArray outBias) {}

  private final NDArray wte;
  private final NDArray wpe;
  private final Block[] blocks;
  private final NDArray lnfWeight;
  private final NDArray lnfBias;
  private final GqaAttention attention;

  public Gpt2Model(ModelConfig c, TensorSource w, NDManager manager) {
    super(c, manager);
    long d = c.hiddenSize();
    long inner = c.intermediateSize();
    // save_pretrained writes GPT-2 tensors with or without the "transformer." prefix.
    String root = w.contains("transformer.wte.weight") ? "transformer." : "";
    wte = w.get(manager, root + "wte.weight", c.vocabSize(), d);
    wpe = w.get(manager, root + "wpe.weight", c.maxPositionEmbeddings(), d);
    blocks = new Block[c.numHiddenLayers()];
    for (int i = 0; i < blocks.length; i++) {
      String p = root + "h." + i + ".";
      blocks[i] =
          new Block(
              w.get(manager, p + "ln_1.weight", d),
              w.get(manager, p + "ln_1.bias", d),
              w.get(manager, p + "attn.c_attn.weight", d, 3 * d),
              w.get(manager, p + "attn.c_attn.bias", 3 * d),
              w.get(manager, p + "attn.c_proj.weight", d, d),
              w.get(manager, p + "attn.c_proj.bias", d),
              w.get(manager, p + "ln_2.weight", d),
              w.get(manager, p + "ln_2.bias", d),
              w.get(manager, p + "mlp.c_fc.weight", d, inner),
              w.get(manager, p + "mlp.c_fc.bias", inner),
              w.get(manager, p + "mlp.c_proj.weight", inner, d),
              w.get(manager, p + "mlp.c_proj.bias", d));
    }
    lnfWeight = w.get(manager, root + "ln_f.weight", d);
    lnfBias = w.get(manager, root + "ln_f.bias", d);
    attention = new GqaAttention(c);
  }

  @Override
  public NDArray inputEmbeddings() {
    return wte;
  }

  @Override
  protected NDArray head() {
    return wte;
  }

  @Override
  public int maxSequenceLength() {
    return config.maxPositionEmbeddings();
  }

  @Override
  protected String sequenceLimitSource() {
    return "n_positions";
  }

  /** Two MLP matrices (c_fc, c_proj), not three. */
  @Override
  public long parameterCount() {
    long d = config.hiddenSize();
    long perLayer = 4 * d * d + 2 * d * config.intermediateSize();
    return config.numHiddenLayers() * perLayer + (long) config.vocabSize() * d;
  }

  /** The learned position embedding of 0 .. t-1 added to every row, soft rows included. */
  @Override
  protected NDArray addPositions(NDArray x) {
    int t = (int) x.getShape().get(1);
    long[] positions = new long[t];
    for (int i = 0; i < t; i++) positions[i] = i;
    NDArray pos =
        Embedding.embedding(x.getManager().create(positions), wpe, SparseFormat.DENSE)
            .singletonOrThrow();
    return x.add(pos); // (b, t, d) + (t, d); x may be the caller's array: not in place
  }

  @Override
  protected NDArray body(NDArray x, AttentionMasks masks, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray scale = Ops.scalar(x, config.attentionScale());
    for (int i = 0; i < blocks.length; i++) {
      Block blk = blocks[i];
      NDArray mask = masks.forLayer(i);
      try (NDScope scope = new NDScope()) {
        NDArray h =
            Ops.add(
                attention(norm(x, blk.ln1Weight, blk.ln1Bias), blk, scale, mask, b, t, inPlace),
                x,
                inPlace);
        NDArray fc =
            Ops.add(norm(h, blk.ln2Weight, blk.ln2Bias).matMul(blk.fcWeight), blk.fcBias, inPlace);
        NDArray out =
            Ops.add(
                Ops.add(
                    Activation.GELU_TANH.apply(fc, inPlace).matMul(blk.outWeight),
                    blk.outBias,
                    inPlace),
                h,
                inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return norm(x, lnfWeight, lnfBias);
  }

  private NDArray norm(NDArray x, NDArray weight, NDArray bias) {
    return LayerNorm.layerNorm(
            x, new Shape(config.hiddenSize()), weight, bias, (float) config.normEps())
        .singletonOrThrow();
  }

  /** Multi-head attention: the fused Conv1D q/k/v, split, then {@link GqaAttention} with g = 1. */
  private NDArray attention(
      NDArray x, Block blk, NDArray scale, NDArray mask, long b, int t, boolean inPlace) {
    NDList qkv = Ops.add(x.matMul(blk.attnWeight), blk.attnBias, inPlace).split(3, 2); // 3 (b,t,d)
    NDArray q = attention.queries(qkv.get(0), b, t);
    NDArray k = attention.keysOrValues(qkv.get(1), b, t);
    NDArray v = attention.keysOrValues(qkv.get(2), b, t);
    NDArray out = attention.attend(q, k, v, scale, null, mask, b, t, inPlace);
    return Ops.add(out.matMul(blk.projWeight), blk.projBias, inPlace);
  }
}
