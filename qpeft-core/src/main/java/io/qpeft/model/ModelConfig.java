package io.qpeft.model;

/**
 * The architecture of a causal LM, read from a Hugging Face {@code config.json}. Names follow the
 * Hugging Face fields they come from.
 *
 * @param family {@code llama} (also Mistral), {@code qwen2} or {@code gpt2}
 * @param headDim per-head size ({@code head_dim}, else hiddenSize / numAttentionHeads)
 * @param maxPositionEmbeddings learned-position table size for GPT-2, context length otherwise
 * @param normEps {@code rms_norm_eps} (Llama, Qwen2) or {@code layer_norm_epsilon} (GPT-2)
 * @param attentionBias bias on q/k/v projections (Qwen2 always; Llama when {@code attention_bias})
 * @param outputBias bias on the attention output projection (GPT-2; Llama when {@code
 *     attention_bias})
 * @param mlpBias bias on the MLP projections
 */
public record ModelConfig(
    String family,
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int intermediateSize,
    int maxPositionEmbeddings,
    double ropeTheta,
    double normEps,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    boolean outputBias,
    boolean mlpBias,
    int bosTokenId,
    int eosTokenId) {

  public ModelConfig {
    require(vocabSize > 0, "vocab_size must be positive, got " + vocabSize);
    require(hiddenSize > 0, "hidden_size must be positive, got " + hiddenSize);
    require(numHiddenLayers > 0, "num_hidden_layers must be positive, got " + numHiddenLayers);
    require(
        numAttentionHeads > 0, "num_attention_heads must be positive, got " + numAttentionHeads);
    require(
        numKeyValueHeads > 0 && numAttentionHeads % numKeyValueHeads == 0,
        "num_key_value_heads ("
            + numKeyValueHeads
            + ") must divide num_attention_heads ("
            + numAttentionHeads
            + ")");
    require(headDim > 0, "head_dim must be positive, got " + headDim);
    require(intermediateSize > 0, "intermediate_size must be positive, got " + intermediateSize);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }

  public boolean isGpt2() {
    return "gpt2".equals(family);
  }

  /** Parameters of the transformer, for FLOP estimates: ~2 FLOPs per parameter per token. */
  public long parameterCount() {
    long d = hiddenSize;
    long attn =
        d * (numAttentionHeads * (long) headDim) * 2 + d * (numKeyValueHeads * (long) headDim) * 2;
    long mlp = isGpt2() ? 2L * d * intermediateSize : 3L * d * intermediateSize;
    return numHiddenLayers * (attn + mlp) + (long) vocabSize * d;
  }
}
