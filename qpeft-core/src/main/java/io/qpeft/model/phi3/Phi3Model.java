package io.qpeft.model.phi3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.RopeScaling;
import io.qpeft.model.TensorSource;
import io.qpeft.model.TransformerLm;
import io.qpeft.model.blocks.Activation;
import io.qpeft.model.blocks.AttentionMasks;
import io.qpeft.model.blocks.GqaAttention;
import io.qpeft.model.blocks.Ops;
import io.qpeft.model.blocks.RmsNorm;
import io.qpeft.model.blocks.Rope;

/**
 * Phi-3 (Phi-3/3.5-mini, Phi-4-mini), matching Hugging Face's {@code Phi3Model}: a Llama-shaped
 * decoder with fused projections, {@code qkv_proj} rows {@code [q (heads*hd) | k (kv*hd) | v
 * (kv*hd)]} and {@code gate_up_proj} rows {@code [gate (I) | up (I)]} (one matmul each, split
 * after), {@code partial_rotary_factor} (only the first part of each head rotates), no biases, and
 * a sliding window on every layer when {@code sliding_window} is set. Longrope checkpoints
 * (Phi-3.5, Phi-4-mini) run up to their {@code original_max_position_embeddings}.
 */
public final class Phi3Model extends TransformerLm {
  private record Layer(
      NDArray inputNorm, NDArray qkv, NDArray o, NDArray postNorm, NDArray gateUp, NDArray down) {}

  private final NDArray embed;
  private final Layer[] layers;
  private final NDArray finalNorm;
  private final NDArray head;
  private final Rope rope;
  private final GqaAttention attention;
  private final Activation activation;
  private final long[] qkvSplits;

  public Phi3Model(ModelConfig c, TensorSource w, NDManager manager) {
    super(c, manager);
    long d = c.hiddenSize();
    long qDim = (long) c.numAttentionHeads() * c.headDim();
    long kvDim = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    embed = w.get(manager, "model.embed_tokens.weight", c.vocabSize(), d);
    layers = new Layer[c.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      layers[i] =
          new Layer(
              w.get(manager, p + "input_layernorm.weight", d),
              w.get(manager, p + "self_attn.qkv_proj.weight", qDim + 2 * kvDim, d),
              w.get(manager, p + "self_attn.o_proj.weight", d, qDim),
              w.get(manager, p + "post_attention_layernorm.weight", d),
              w.get(manager, p + "mlp.gate_up_proj.weight", 2 * inter, d),
              w.get(manager, p + "mlp.down_proj.weight", d, inter));
    }
    finalNorm = w.get(manager, "model.norm.weight", d);
    head = c.tieWordEmbeddings() ? embed : w.get(manager, "lm_head.weight", c.vocabSize(), d);
    rope = new Rope(c);
    attention = new GqaAttention(c);
    activation = Activation.fromName(c.hiddenActivation(), "hidden_act");
    qkvSplits = new long[] {qDim, qDim + kvDim};
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
  public int maxSequenceLength() {
    RopeScaling s = config.ropeScaling();
    return s == null ? Integer.MAX_VALUE : s.maxSequenceLength();
  }

  @Override
  protected String sequenceLimitSource() {
    return "longrope's original_max_position_embeddings; longer sequences would switch to"
        + " long_factor frequencies, which is not supported";
  }

  @Override
  protected NDArray body(NDArray x, AttentionMasks masks, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray[] cosSin = rope.tables(x.getManager(), t, x.getDataType());
    NDArray eps = Ops.scalar(x, config.normEps());
    NDArray scale = Ops.scalar(x, config.attentionScale());
    int last = 2; // (b, t, features): DJL's split does not take negative axes
    for (int i = 0; i < layers.length; i++) {
      Layer l = layers[i];
      NDArray mask = masks.forLayer(i);
      try (NDScope scope = new NDScope()) {
        NDArray a = RmsNorm.apply(x, l.inputNorm, eps, inPlace);
        NDList qkv = Ops.linear(a, l.qkv, null).split(qkvSplits, last);
        NDArray q = rope.apply(attention.queries(qkv.get(0), b, t), cosSin, inPlace);
        NDArray k = rope.apply(attention.keysOrValues(qkv.get(1), b, t), cosSin, inPlace);
        NDArray v = attention.keysOrValues(qkv.get(2), b, t);
        NDArray attended = attention.attend(q, k, v, scale, null, mask, b, t, inPlace);
        NDArray h = Ops.add(Ops.linear(attended, l.o, null), x, inPlace);

        NDArray m = RmsNorm.apply(h, l.postNorm, eps, inPlace);
        NDList gateUp = Ops.linear(m, l.gateUp, null).split(2, last); // [gate | up]
        NDArray gated = Ops.mul(activation.apply(gateUp.get(0), inPlace), gateUp.get(1), inPlace);
        NDArray out = Ops.add(Ops.linear(gated, l.down, null), h, inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return RmsNorm.apply(x, finalNorm, eps, inPlace);
  }
}
