package io.qpeft.model;

/**
 * The architecture of a causal LM, read from a Hugging Face {@code config.json} ({@link HfConfig})
 * or built for a benchmark shape. Names follow the Hugging Face fields they come from. Built with
 * {@link #builder()}: {@code setX} for what every model needs, {@code optX} for what has a default,
 * so a new family option is one field, one {@code optX} and one accessor.
 */
public final class ModelConfig {
  private final String family;
  private final int vocabSize;
  private final int hiddenSize;
  private final int numHiddenLayers;
  private final int numAttentionHeads;
  private final int numKeyValueHeads;
  private final int headDim;
  private final int intermediateSize;
  private final int maxPositionEmbeddings;
  private final double ropeTheta;
  private final double normEps;
  private final boolean tieWordEmbeddings;
  private final boolean attentionBias;
  private final boolean outputBias;
  private final boolean mlpBias;
  private final int bosTokenId;
  private final int eosTokenId;

  private ModelConfig(Builder b) {
    require(b.family != null && !b.family.isEmpty(), "model_type (family) must be set");
    require(b.vocabSize > 0, "vocab_size must be positive, got " + b.vocabSize);
    require(b.hiddenSize > 0, "hidden_size must be positive, got " + b.hiddenSize);
    require(b.numHiddenLayers > 0, "num_hidden_layers must be positive, got " + b.numHiddenLayers);
    require(
        b.numAttentionHeads > 0,
        "num_attention_heads must be positive, got " + b.numAttentionHeads);
    int kvHeads = b.numKeyValueHeads == 0 ? b.numAttentionHeads : b.numKeyValueHeads;
    require(
        kvHeads > 0 && b.numAttentionHeads % kvHeads == 0,
        "num_key_value_heads ("
            + kvHeads
            + ") must divide num_attention_heads ("
            + b.numAttentionHeads
            + ")");
    int hd = b.headDim == 0 ? b.hiddenSize / b.numAttentionHeads : b.headDim;
    require(hd > 0, "head_dim must be positive, got " + hd);
    require(
        b.intermediateSize > 0, "intermediate_size must be positive, got " + b.intermediateSize);
    require(
        b.maxPositionEmbeddings > 0,
        "max_position_embeddings must be positive, got " + b.maxPositionEmbeddings);
    require(b.normEps > 0, "the norm epsilon must be positive, got " + b.normEps);
    this.family = b.family;
    this.vocabSize = b.vocabSize;
    this.hiddenSize = b.hiddenSize;
    this.numHiddenLayers = b.numHiddenLayers;
    this.numAttentionHeads = b.numAttentionHeads;
    this.numKeyValueHeads = kvHeads;
    this.headDim = hd;
    this.intermediateSize = b.intermediateSize;
    this.maxPositionEmbeddings = b.maxPositionEmbeddings;
    this.ropeTheta = b.ropeTheta;
    this.normEps = b.normEps;
    this.tieWordEmbeddings = b.tieWordEmbeddings;
    this.attentionBias = b.attentionBias;
    this.outputBias = b.outputBias;
    this.mlpBias = b.mlpBias;
    this.bosTokenId = b.bosTokenId;
    this.eosTokenId = b.eosTokenId;
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values, to derive a variant. */
  public Builder toBuilder() {
    return new Builder()
        .setFamily(family)
        .setVocabSize(vocabSize)
        .setHiddenSize(hiddenSize)
        .setNumHiddenLayers(numHiddenLayers)
        .setNumAttentionHeads(numAttentionHeads)
        .setIntermediateSize(intermediateSize)
        .optNumKeyValueHeads(numKeyValueHeads)
        .optHeadDim(headDim)
        .optMaxPositionEmbeddings(maxPositionEmbeddings)
        .optRopeTheta(ropeTheta)
        .optNormEps(normEps)
        .optTieWordEmbeddings(tieWordEmbeddings)
        .optAttentionBias(attentionBias)
        .optOutputBias(outputBias)
        .optMlpBias(mlpBias)
        .optBosTokenId(bosTokenId)
        .optEosTokenId(eosTokenId);
  }

  /** The Hugging Face {@code model_type}: {@code llama}, {@code mistral}, {@code qwen2}, ... */
  public String family() {
    return family;
  }

  public int vocabSize() {
    return vocabSize;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public int numHiddenLayers() {
    return numHiddenLayers;
  }

  public int numAttentionHeads() {
    return numAttentionHeads;
  }

  public int numKeyValueHeads() {
    return numKeyValueHeads;
  }

  /** Per-head size ({@code head_dim}, else hiddenSize / numAttentionHeads). */
  public int headDim() {
    return headDim;
  }

  public int intermediateSize() {
    return intermediateSize;
  }

  /** Learned-position table size for GPT-2, context length otherwise. */
  public int maxPositionEmbeddings() {
    return maxPositionEmbeddings;
  }

  public double ropeTheta() {
    return ropeTheta;
  }

  /** {@code rms_norm_eps} (RMSNorm families) or {@code layer_norm_epsilon} (GPT-2). */
  public double normEps() {
    return normEps;
  }

  public boolean tieWordEmbeddings() {
    return tieWordEmbeddings;
  }

  /** Bias on the q/k/v projections (Qwen2 always; Llama when {@code attention_bias}). */
  public boolean attentionBias() {
    return attentionBias;
  }

  /** Bias on the attention output projection (GPT-2; Llama when {@code attention_bias}). */
  public boolean outputBias() {
    return outputBias;
  }

  /** Bias on the MLP projections. */
  public boolean mlpBias() {
    return mlpBias;
  }

  /** {@code bos_token_id}, -1 if none. */
  public int bosTokenId() {
    return bosTokenId;
  }

  /** {@code eos_token_id}, -1 if none. */
  public int eosTokenId() {
    return eosTokenId;
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

  @Override
  public String toString() {
    return family
        + " (vocab_size "
        + vocabSize
        + ", hidden_size "
        + hiddenSize
        + ", "
        + numHiddenLayers
        + " layers, "
        + numAttentionHeads
        + "/"
        + numKeyValueHeads
        + " heads of "
        + headDim
        + ")";
  }

  /**
   * Builder in DJL's style: {@code setX} for the required fields (family, vocabulary, hidden size,
   * layers, heads, intermediate size), {@code optX} for the rest. Defaults: as many key/value heads
   * as heads, head_dim = hidden / heads, 4096 positions, rope_theta 10000, eps 1e-6, untied head,
   * no biases, no bos/eos.
   */
  public static final class Builder {
    private String family;
    private int vocabSize;
    private int hiddenSize;
    private int numHiddenLayers;
    private int numAttentionHeads;
    private int numKeyValueHeads; // 0: as many as numAttentionHeads
    private int headDim; // 0: hiddenSize / numAttentionHeads
    private int intermediateSize;
    private int maxPositionEmbeddings = 4096;
    private double ropeTheta = 10000.0;
    private double normEps = 1e-6;
    private boolean tieWordEmbeddings;
    private boolean attentionBias;
    private boolean outputBias;
    private boolean mlpBias;
    private int bosTokenId = -1;
    private int eosTokenId = -1;

    private Builder() {}

    public Builder setFamily(String family) {
      this.family = family;
      return this;
    }

    public Builder setVocabSize(int vocabSize) {
      this.vocabSize = vocabSize;
      return this;
    }

    public Builder setHiddenSize(int hiddenSize) {
      this.hiddenSize = hiddenSize;
      return this;
    }

    public Builder setNumHiddenLayers(int numHiddenLayers) {
      this.numHiddenLayers = numHiddenLayers;
      return this;
    }

    public Builder setNumAttentionHeads(int numAttentionHeads) {
      this.numAttentionHeads = numAttentionHeads;
      return this;
    }

    public Builder setIntermediateSize(int intermediateSize) {
      this.intermediateSize = intermediateSize;
      return this;
    }

    public Builder optNumKeyValueHeads(int numKeyValueHeads) {
      this.numKeyValueHeads = numKeyValueHeads;
      return this;
    }

    public Builder optHeadDim(int headDim) {
      this.headDim = headDim;
      return this;
    }

    public Builder optMaxPositionEmbeddings(int maxPositionEmbeddings) {
      this.maxPositionEmbeddings = maxPositionEmbeddings;
      return this;
    }

    public Builder optRopeTheta(double ropeTheta) {
      this.ropeTheta = ropeTheta;
      return this;
    }

    public Builder optNormEps(double normEps) {
      this.normEps = normEps;
      return this;
    }

    public Builder optTieWordEmbeddings(boolean tieWordEmbeddings) {
      this.tieWordEmbeddings = tieWordEmbeddings;
      return this;
    }

    public Builder optAttentionBias(boolean attentionBias) {
      this.attentionBias = attentionBias;
      return this;
    }

    public Builder optOutputBias(boolean outputBias) {
      this.outputBias = outputBias;
      return this;
    }

    public Builder optMlpBias(boolean mlpBias) {
      this.mlpBias = mlpBias;
      return this;
    }

    public Builder optBosTokenId(int bosTokenId) {
      this.bosTokenId = bosTokenId;
      return this;
    }

    public Builder optEosTokenId(int eosTokenId) {
      this.eosTokenId = eosTokenId;
      return this;
    }

    /** The configuration; an IllegalArgumentException names the first bad field. */
    public ModelConfig build() {
      return new ModelConfig(this);
    }
  }
}
