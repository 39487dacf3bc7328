package io.qpeft.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.TensorSource;
import io.qpeft.model.TransformerLm;

/**
 * Llama-family decoder (Llama 2/3, Mistral, Qwen2), matching Hugging Face's {@code LlamaModel} /
 * {@code Qwen2Model} in eager attention: pre-RMSNorm blocks, rotary embeddings in the "rotate_half"
 * form (pairs {@code (x[i], x[i + d/2])}), grouped-query attention where query head {@code h} reads
 * key/value head {@code h / (heads / kvHeads)}, and a SiLU-gated MLP.
 */
public final class LlamaModel extends TransformerLm {
  private record Layer(
      NDArray inputNorm,
      NDArray q,
      NDArray qBias,
      NDArray k,
      NDArray kBias,
      NDArray v,
      NDArray vBias,
      NDArray o,
      NDArray oBias,
      NDArray postNorm,
      NDArray gate,
      NDArray up,
      NDArray down,
      NDArray gateBias,
      NDArray upBias,
      NDArray downBias) {}

  private final NDArray embed;
  private final Layer[] layers;
  private final NDArray finalNorm;
  private final NDArray head;

  public LlamaModel(ModelConfig c, TensorSource w, NDManager manager) {
    super(c, manager);
    long d = c.hiddenSize();
    long qDim = (long) c.numAttentionHeads() * c.headDim();
    long kvDim = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    embed = w.get(manager, "model.embed_tokens.weight", c.vocabSize(), d);
    layers = new Layer[c.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      String a = p + "self_attn.";
      String f = p + "mlp.";
      layers[i] =
          new Layer(
              w.get(manager, p + "input_layernorm.weight", d),
              w.get(manager, a + "q_proj.weight", qDim, d),
              c.attentionBias() ? w.get(manager, a + "q_proj.bias", qDim) : null,
              w.get(manager, a + "k_proj.weight", kvDim, d),
              c.attentionBias() ? w.get(manager, a + "k_proj.bias", kvDim) : null,
              w.get(manager, a + "v_proj.weight", kvDim, d),
              c.attentionBias() ? w.get(manager, a + "v_proj.bias", kvDim) : null,
              w.get(manager, a + "o_proj.weight", d, qDim),
              c.outputBias() ? w.get(manager, a + "o_proj.bias", d) : null,
              w.get(manager, p + "post_attention_layernorm.weight", d),
              w.get(manager, f + "gate_proj.weight", inter, d),
              w.get(manager, f + "up_proj.weight", inter, d),
              w.get(manager, f + "down_proj.weight", d, inter),
              c.mlpBias() ? w.get(manager, f + "gate_proj.bias", inter) : null,
              c.mlpBias() ? w.get(manager, f + "up_proj.bias", inter) : null,
              c.mlpBias() ? w.get(manager, f + "down_proj.bias", d) : null);
    }
    finalNorm = w.get(manager, "model.norm.weight", d);
    head = c.tieWordEmbeddings() ? embed : w.get(manager, "lm_head.weight", c.vocabSize(), d);
  }

  @Override
  protected NDArray embedTokens(NDArray ids) {
    return Embedding.embedding(ids, embed, SparseFormat.DENSE).singletonOrThrow();
  }

  @Override
  public NDArray inputEmbeddings() {
    return embed;
  }

  @Override
  protected NDArray head() {
    return head;
  }

  @Override
  protected NDArray body(NDArray x, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    DataType type = x.getDataType();
    NDArray[] rope = rotaryTables(x.getManager(), t);
    rope = new NDArray[] {rope[0].toType(type, false), rope[1].toType(type, false)};
    NDArray eps = scalar(x, config.normEps());
    NDArray scale = scalar(x, 1.0 / Math.sqrt(config.headDim()));
    NDArray mask = causalMask(x.getManager(), t).toType(type, false);
    for (Layer layer : layers) {
      // One scope per layer frees its temporaries; autograd keeps what backward needs natively.
      try (NDScope scope = new NDScope()) {
        NDArray h =
            add(
                attention(
                    rmsNorm(x, layer.inputNorm, eps, inPlace),
                    layer,
                    rope,
                    scale,
                    mask,
                    b,
                    t,
                    inPlace),
                x,
                inPlace);
        NDArray out =
            add(mlp(rmsNorm(h, layer.postNorm, eps, inPlace), layer, inPlace), h, inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return rmsNorm(x, finalNorm, eps, inPlace);
  }

  /**
   * RMSNorm: x / sqrt(mean(x^2) + eps) * weight (no mean subtraction, no bias), normalised in F32
   * and cast back before the weight, as Hugging Face does for half-precision models (x^2 overflows
   * F16 from |x| = 256).
   */
  private static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps, boolean inPlace) {
    NDArray xf = cast(x, DataType.FLOAT32, !inPlace); // x itself at F32
    NDArray rms = xf.square().mean(new int[] {-1}, true).add(eps).sqrt();
    return mul(cast(xf.div(rms), x.getDataType(), !inPlace), weight, inPlace);
  }

  private NDArray attention(
      NDArray x,
      Layer l,
      NDArray[] rope,
      NDArray scale,
      NDArray mask,
      long b,
      int t,
      boolean inPlace) {
    int heads = config.numAttentionHeads();
    int kvHeads = config.numKeyValueHeads();
    int group = heads / kvHeads;
    int hd = config.headDim();
    // (b, t, heads*hd) -> (b, kvHeads, group, t, hd): query head h = kv * group + g reads kv head
    // kv.
    NDArray q = linear(x, l.q, l.qBias).reshape(b, t, kvHeads, group, hd).transpose(0, 2, 3, 1, 4);
    // (b, t, kvHeads*hd) -> (b, kvHeads, 1, t, hd), broadcast over the group by matMul.
    NDArray k = linear(x, l.k, l.kBias).reshape(b, t, kvHeads, 1, hd).transpose(0, 2, 3, 1, 4);
    NDArray v = linear(x, l.v, l.vBias).reshape(b, t, kvHeads, 1, hd).transpose(0, 2, 3, 1, 4);
    q = rotate(q, rope, inPlace);
    k = rotate(k, rope, inPlace);
    NDArray scores =
        add(
            mul(q.matMul(k.transpose(0, 1, 2, 4, 3)), scale, inPlace),
            mask,
            inPlace); // (b, kv, g, t, t)
    NDArray out = scores.softmax(-1).matMul(v); // (b, kv, g, t, hd)
    out = out.transpose(0, 3, 1, 2, 4).reshape(b, t, (long) heads * hd);
    return linear(out, l.o, l.oBias);
  }

  private static NDArray mlp(NDArray x, Layer l, boolean inPlace) {
    NDArray gate = linear(x, l.gate, l.gateBias);
    NDArray silu =
        mul(gate.getNDArrayInternal().sigmoid(), gate, inPlace); // silu(g) = g * sigmoid(g)
    return linear(mul(silu, linear(x, l.up, l.upBias), inPlace), l.down, l.downBias);
  }

  private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
        .singletonOrThrow();
  }

  /** x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x[d/2:], x[:d/2]). */
  private static NDArray rotate(NDArray x, NDArray[] rope, boolean inPlace) {
    int last = x.getShape().dimension() - 1; // DJL's split does not take negative axes
    NDList halves = x.split(2, last);
    NDArray rotated = NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), last);
    return add(x.mul(rope[0]), mul(rotated, rope[1], inPlace), inPlace);
  }

  /**
   * cos and sin tables {@code (t, headDim)}: angle(p, i) = p * theta^(-2i/d), duplicated halves.
   */
  private NDArray[] rotaryTables(NDManager m, int t) {
    int hd = config.headDim();
    int half = hd / 2;
    float[] cos = new float[t * hd];
    float[] sin = new float[t * hd];
    for (int i = 0; i < half; i++) {
      double invFreq = Math.pow(config.ropeTheta(), -2.0 * i / hd);
      for (int p = 0; p < t; p++) {
        double angle = p * invFreq;
        cos[p * hd + i] = cos[p * hd + i + half] = (float) Math.cos(angle);
        sin[p * hd + i] = sin[p * hd + i + half] = (float) Math.sin(angle);
      }
    }
    return new NDArray[] {m.create(cos, new Shape(t, hd)), m.create(sin, new Shape(t, hd))};
  }

  /** Additive causal mask {@code (t, t)}: 0 where key j <= query i, -inf after. */
  public static NDArray causalMask(NDManager m, int t) {
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) mask[i * t + j] = Float.NEGATIVE_INFINITY;
    }
    return m.create(mask, new Shape(t, t));
  }
}
