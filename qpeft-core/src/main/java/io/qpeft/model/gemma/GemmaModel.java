package io.qpeft.model.gemma;

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
 * Gemma (1), matching Hugging Face's {@code GemmaModel} (gemma-2b/7b, and the Gemma-based
 * bge-reranker-v2-gemma): Llama's block layout (input norm, attention, post-attention norm feeding
 * the MLP) with Gemma's differences: token embeddings times {@code sqrt(hidden_size)} (soft vectors
 * enter unscaled), RMSNorm with {@code (1 + w)} computed once in float32, a GeGLU MLP {@code
 * down(gelu_tanh(gate) * up)} ({@code hidden_activation}; {@code hidden_act} is ignored, as in
 * transformers), head_dim from the config, and the head tied to the embedding.
 */
public final class GemmaModel extends TransformerLm {
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
      NDArray postNorm,
      NDArray gate,
      NDArray up,
      NDArray down) {}

  private final NDArray embed;
  private final Layer[] layers;
  private final NDArray finalNorm;
  private final Rope rope;
  private final GqaAttention attention;
  private final Activation activation;
  private final float embeddingScale;

  public GemmaModel(ModelConfig c, TensorSource w, NDManager manager) {
    super(c, manager);
    long d = c.hiddenSize();
    long qDim = (long) c.numAttentionHeads() * c.headDim();
    long kvDim = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    boolean bias = c.attentionBias();
    if (!c.tieWordEmbeddings()) {
      throw new UnsupportedOperationException(
          "Gemma with an untied head (tie_word_embeddings: false) is not supported");
    }
    embed = w.get(manager, "model.embed_tokens.weight", c.vocabSize(), d);
    layers = new Layer[c.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "model.layers." + i + ".";
      String a = p + "self_attn.";
      String f = p + "mlp.";
      layers[i] =
          new Layer(
              RmsNorm.gemmaWeight(w, manager, p + "input_layernorm.weight", d),
              w.get(manager, a + "q_proj.weight", qDim, d),
              w.get(manager, a + "k_proj.weight", kvDim, d),
              w.get(manager, a + "v_proj.weight", kvDim, d),
              w.get(manager, a + "o_proj.weight", d, qDim),
              bias ? w.get(manager, a + "q_proj.bias", qDim) : null,
              bias ? w.get(manager, a + "k_proj.bias", kvDim) : null,
              bias ? w.get(manager, a + "v_proj.bias", kvDim) : null,
              bias ? w.get(manager, a + "o_proj.bias", d) : null,
              RmsNorm.gemmaWeight(w, manager, p + "post_attention_layernorm.weight", d),
              w.get(manager, f + "gate_proj.weight", inter, d),
              w.get(manager, f + "up_proj.weight", inter, d),
              w.get(manager, f + "down_proj.weight", d, inter));
    }
    finalNorm = RmsNorm.gemmaWeight(w, manager, "model.norm.weight", d);
    rope = new Rope(c);
    attention = new GqaAttention(c);
    activation = Activation.fromName(c.hiddenActivation(), "hidden_activation");
    // Hugging Face casts the normaliser to the weights' dtype: float32 here.
    embeddingScale = (float) Math.sqrt(c.hiddenSize());
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
  protected NDArray body(NDArray x, AttentionMasks masks, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray[] cosSin = rope.tables(x.getManager(), t, x.getDataType());
    NDArray eps = Ops.scalar(x, config.normEps());
    NDArray scale = Ops.scalar(x, config.attentionScale());
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
        NDArray attended = attention.attend(q, k, v, scale, null, mask, b, t, inPlace);
        NDArray h = Ops.add(Ops.linear(attended, l.o, l.oBias), x, inPlace);

        NDArray m = RmsNorm.apply(h, l.postNorm, eps, inPlace);
        NDArray gated =
            Ops.mul(
                activation.apply(Ops.linear(m, l.gate, null), inPlace),
                Ops.linear(m, l.up, null),
                inPlace);
        NDArray out = Ops.add(Ops.linear(gated, l.down, null), h, inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return RmsNorm.apply(x, finalNorm, eps, inPlace);
  }
}
