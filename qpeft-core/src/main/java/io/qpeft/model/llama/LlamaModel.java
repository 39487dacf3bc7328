package io.qpeft.model.llama;

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
 * Llama-family decoder (Llama 2/3, Mistral, Qwen2), matching Hugging Face's {@code LlamaModel} /
 * {@code MistralModel} / {@code Qwen2Model} in eager attention: pre-RMSNorm blocks, rotary
 * embeddings (Llama 3's scaled frequencies included), grouped-query attention, a SiLU-gated MLP,
 * and Mistral's sliding window where the config sets one.
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
  private final Rope rope;
  private final GqaAttention attention;
  private final Activation activation;

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
    rope = new Rope(c);
    attention = new GqaAttention(c);
    activation = Activation.fromName(c.hiddenActivation(), "hidden_act");
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
  protected NDArray body(NDArray x, AttentionMasks masks, boolean inPlace) {
    long b = x.getShape().get(0);
    int t = (int) x.getShape().get(1);
    NDArray[] cosSin = rope.tables(x.getManager(), t, x.getDataType());
    NDArray eps = Ops.scalar(x, config.normEps());
    NDArray scale = Ops.scalar(x, config.attentionScale());
    for (int i = 0; i < layers.length; i++) {
      Layer l = layers[i];
      NDArray mask = masks.forLayer(i);
      // One scope per layer frees its temporaries; autograd keeps what backward needs natively.
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
                activation.apply(Ops.linear(m, l.gate, l.gateBias), inPlace),
                Ops.linear(m, l.up, l.upBias),
                inPlace);
        NDArray out = Ops.add(Ops.linear(gated, l.down, l.downBias), h, inPlace);
        NDScope.unregister(out);
        x = out;
      }
    }
    return RmsNorm.apply(x, finalNorm, eps, inPlace);
  }
}
