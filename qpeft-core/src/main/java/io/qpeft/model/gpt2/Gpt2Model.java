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
import io.qpeft.model.llama.LlamaModel;

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
  }

  @Override
  protected NDArray embedTokens(NDArray ids) {
    return Embedding.embedding(ids, wte, SparseFormat.DENSE).singletonOrThrow();
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
  protected NDArray body(NDArray x, boolean inPlace) {
    NDManager m = x.getManager();
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    long[] positions = new long[t];
    for (int i = 0; i < t; i++) positions[i] = i;
    NDArray pos =
        Embedding.embedding(m.create(positions), wpe, SparseFormat.DENSE).singletonOrThrow();
    x = x.add(pos); // (b, t, d) + (t, d); x may be the caller's array: not in place
    NDArray scale = scalar(x, 1.0 / Math.sqrt(config.headDim()));
    NDArray mask = LlamaModel.causalMask(m, t).toType(x.getDataType(), false);
    NDArray[] gelu = {
      scalar(x, 0.5), scalar(x, 1.0), scalar(x, Math.sqrt(2 / Math.PI)), scalar(x, 0.044715)
    };
    for (Block blk : blocks) {
      try (NDScope scope = new NDScope()) {
        NDArray h =
            add(
                attention(norm(x, blk.ln1Weight, blk.ln1Bias), blk, scale, mask, b, t, inPlace),
                x,
                inPlace);
        NDArray fc =
            add(norm(h, blk.ln2Weight, blk.ln2Bias).matMul(blk.fcWeight), blk.fcBias, inPlace);
        NDArray out =
            add(
                add(geluNew(fc, gelu, inPlace).matMul(blk.outWeight), blk.outBias, inPlace),
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

  private NDArray attention(
      NDArray x, Block blk, NDArray scale, NDArray mask, long b, int t, boolean inPlace) {
    int heads = config.numAttentionHeads();
    int hd = config.headDim();
    NDList qkv = add(x.matMul(blk.attnWeight), blk.attnBias, inPlace).split(3, 2); // 3 x (b, t, d)
    NDArray q = qkv.get(0).reshape(b, t, heads, hd).transpose(0, 2, 1, 3); // (b, heads, t, hd)
    NDArray k = qkv.get(1).reshape(b, t, heads, hd).transpose(0, 2, 3, 1); // (b, heads, hd, t)
    NDArray v = qkv.get(2).reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    NDArray scores = add(mul(q.matMul(k), scale, inPlace), mask, inPlace); // (b, heads, t, t)
    NDArray out = scores.softmax(-1).matMul(v); // (b, heads, t, hd)
    out = out.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * hd);
    return add(out.matMul(blk.projWeight), blk.projBias, inPlace);
  }

  /**
   * gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); c = {0.5, 1, sqrt(2/pi), 0.044715}.
   */
  private static NDArray geluNew(NDArray x, NDArray[] c, boolean inPlace) {
    NDArray cube = mul(mul(x.mul(x), x, inPlace), c[3], inPlace); // 0.044715 x^3
    NDArray inner = mul(add(cube, x, inPlace), c[2], inPlace).tanh();
    return mul(mul(add(inner, c[1], inPlace), x, inPlace), c[0], inPlace);
  }
}
