package io.qpeft.model.gemma2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.TensorSource;
import io.qpeft.model.TransformerLm;
import io.qpeft.model.blocks.Activation;
import io.qpeft.model.blocks.AttentionMasks;
import io.qpeft.model.blocks.GqaAttention;
import io.qpeft.model.blocks.Ops;
import io.qpeft.model.blocks.RmsNorm;
import io.qpeft.model.blocks.Rope;

/**
 * Gemma 2, matching Hugging Face's {@code Gemma2Model} in eager attention:
 *
 * <ul>
 *   <li>token embeddings times {@code sqrt(hidden_size)} (soft vectors enter unscaled, as {@code
 *       inputs_embeds} do in transformers v5); the tied head uses the raw table;
 *   <li>RMSNorm with {@code (1 + w)}, computed once in float32 at load time;
 *   <li>four norms per layer: {@code h += post_attn_norm(attn(input_norm(h)))}, {@code h +=
 *       post_ffw_norm(mlp(pre_ffw_norm(h)))};
 *   <li>attention scores times {@code query_pre_attn_scalar^-1/2}, soft-capped {@code c tanh(s/c)}
 *       before the mask, a sliding window on the layers {@code layer_types} marks (0, 2, ...);
 *   <li>a GeGLU MLP {@code down(gelu_tanh(gate) * up)};
 *   <li>final logits soft-capped by {@code final_logit_softcapping}.
 * </ul>
 */
public final class Gemma2Model extends TransformerLm {
  private record Layer(
      NDArray inputNorm,
      NDArray q,
      NDArray k,
      NDArray v,
      NDArray o,
      NDArray qBias,
      NDArray kBias,
      NDArray vBias,
      NDArray oBias,
      NDArray postAttentionNorm,
      NDArray preFeedforwardNorm,
      NDArray gate,
      NDArray up,
      NDArray down,
      NDArray postFeedforwardNorm) {}

  private final NDArray embed;
  private final Layer[] layers;
  private final NDArray finalNorm;
  private final Rope rope;
  private final GqaAttention attention;
  private final Activation activation;
  private final float embeddingScale;

  public Gemma2Model(ModelConfig c, TensorSource w, NDManager manager) {
    super(c, manager);
    long d = c.hiddenSize();
    long qDim = (long) c.numAttentionHeads() * c.headDim();
    long kvDim = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    boolean bias = c.attentionBias();
    if (!c.tieWordEmbeddings()) {
      throw new UnsupportedOperationException(
          "Gemma 2 with an untied head (tie_word_embeddings: false) is not supported");
    }
    embed = w.get(manager, "model.embed_tokens.weight", c.vocabSize(), d);
    layers = new Layer[c.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      String a = p + "self_attn.";
      String f = p + "mlp.";
      layers[i] =
          new Layer(
              norm(w, manager, p + "input_layernorm.weight", d),
              w.get(manager, a + "q_proj.weight", qDim, d),
              w.get(manager, a + "k_proj.weight", kvDim, d),
              w.get(manager, a + "v_proj.weight", kvDim, d),
              w.get(manager, a + "o_proj.weight", d, qDim),
              bias ? w.get(manager, a + "q_proj.bias", qDim) : null,
              bias ? w.get(manager, a + "k_proj.bias", kvDim) : null,
              bias ? w.get(manager, a + "v_proj.bias", kvDim) : null,
              bias ? w.get(manager, a + "o_proj.bias", d) : null,
              norm(w, manager, p + "post_attention_layernorm.weight", d),
              norm(w, manager, p + "pre_feedforward_layernorm.weight", d),
              w.get(manager, f + "gate_proj.weight", inter, d),
              w.get(manager, f + "up_proj.weight", inter, d),
              w.get(manager, f + "down_proj.weight", d, inter),
              norm(w, manager, p + "post_feedforward_layernorm.weight", d));
    }
    finalNorm = norm(w, manager, "model.norm.weight", d);
    rope = new Rope(c);
    attention = new GqaAttention(c);
    activation = Activation.fromName(c.hiddenActivation(), "hidden_activation");
    // Hugging Face casts the normaliser to the weights' dtype: float32 here.
    embeddingScale = (float) Math.sqrt(c.hiddenSize());
  }

  private static NDArray norm(TensorSource w, NDManager manager, String name, long d) {
    return RmsNorm.gemmaWeight(w, manager, name, d);
  }

  @Override
  public NDArray inputEmbeddings() {
    return embed;
  }

  @Override
  public float inputEmbeddingScale() {
    return embeddingScale;
  }

  @Override
  protected NDArray head() {
    return embed;
  }

  @Override
  protected NDArray finalLogits(NDArray logits, boolean inPlace) {
    if (config.finalLogitSoftcapping() <= 0) return logits;
    return Ops.softCap(logits, Ops.scalar(logits, config.finalLogitSoftcapping()), inPlace);
  }

  @Override
  protected NDArray body(NDArray x, AttentionMasks masks, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray[] cosSin = rope.tables(x.getManager(), t, x.getDataType());
    NDArray eps = Ops.scalar(x, config.normEps());
    NDArray scale = Ops.scalar(x, config.attentionScale());
    NDArray cap =
        config.attnLogitSoftcapping() > 0 ? Ops.scalar(x, config.attnLogitSoftcapping()) : null;
    for (int i = 0; i < layers.length; i++) {
      Layer l = layers[i];
      NDArray mask = masks.forLayer(i);
      try (NDScope scope = new NDScope()) {
        NDArray a = RmsNorm.apply(x, l.inputNorm, eps, inPlace);
        NDArray q =
            rope.apply(attention.queries(Ops.linear(a, l.q, l.qBias), b, t), cosSin, inPlace);
        NDArray k =
            rope.apply(attention.keysOrValues(Ops.linear(a, l.k, l.kBias), b, t), cosSin, inPlace);
        NDArray v = attention.keysOrValues(Ops.linear(a, l.v, l.vBias), b, t);
        NDArray attended = attention.attend(q, k, v, scale, cap, mask, b, t, inPlace);
        NDArray attnOut = Ops.linear(attended, l.o, l.oBias);
        NDArray h = Ops.add(RmsNorm.apply(attnOut, l.postAttentionNorm, eps, inPlace), x, inPlace);

        NDArray m = RmsNorm.apply(h, l.preFeedforwardNorm, eps, inPlace);
        NDArray gated =
            Ops.mul(
                activation.apply(Ops.linear(m, l.gate, null), inPlace),
                Ops.linear(m, l.up, null),
                inPlace);
        NDArray mlpOut = Ops.linear(gated, l.down, null);
        NDArray out =
            Ops.add(RmsNorm.apply(mlpOut, l.postFeedforwardNorm, eps, inPlace), h, inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return RmsNorm.apply(x, finalNorm, eps, inPlace);
  }
}
