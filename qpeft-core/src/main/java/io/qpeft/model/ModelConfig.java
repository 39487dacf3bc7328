package io.qpeft.model;

import java.util.List;

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
  private final String hiddenActivation;
  private final RopeScaling ropeScaling;
  private final double partialRotaryFactor;
  private final int slidingWindow;
  private final List<String> layerTypes;
  private final double queryPreAttnScalar;
  private final double attnLogitSoftcapping;
  private final double finalLogitSoftcapping;

  /** {@code layer_types} values. */
  public static final String FULL_ATTENTION = "full_attention";

  public static final String SLIDING_ATTENTION = "sliding_attention";

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
    require(
        b.partialRotaryFactor > 0 && b.partialRotaryFactor <= 1,
        "partial_rotary_factor must be in (0, 1], got " + b.partialRotaryFactor);
    require(b.slidingWindow >= 0, "sliding_window must be positive, got " + b.slidingWindow);
    require(
        b.layerTypes.isEmpty() || b.layerTypes.size() == b.numHiddenLayers,
        "layer_types has "
            + b.layerTypes.size()
            + " entries for "
            + b.numHiddenLayers
            + " layers (num_hidden_layers)");
    for (String type : b.layerTypes) {
      require(
          type.equals(FULL_ATTENTION) || type.equals(SLIDING_ATTENTION),
          "layer_types entry '"
              + type
              + "' is not supported; supported: "
              + FULL_ATTENTION
              + ", "
              + SLIDING_ATTENTION);
      require(
          !type.equals(SLIDING_ATTENTION) || b.slidingWindow > 0,
          "layer_types has sliding_attention layers but sliding_window is not set");
    }
    require(
        b.queryPreAttnScalar >= 0,
        "query_pre_attn_scalar must be positive, got " + b.queryPreAttnScalar);
    require(
        b.attnLogitSoftcapping >= 0 && b.finalLogitSoftcapping >= 0,
        "soft-capping values must be positive (or absent), got attn_logit_softcapping "
            + b.attnLogitSoftcapping
            + ", final_logit_softcapping "
            + b.finalLogitSoftcapping);
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
    this.hiddenActivation = b.hiddenActivation;
    this.ropeScaling = b.ropeScaling;
    this.partialRotaryFactor = b.partialRotaryFactor;
    this.slidingWindow = b.slidingWindow;
    this.layerTypes = List.copyOf(b.layerTypes);
    this.queryPreAttnScalar = b.queryPreAttnScalar;
    this.attnLogitSoftcapping = b.attnLogitSoftcapping;
    this.finalLogitSoftcapping = b.finalLogitSoftcapping;
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
        .optEosTokenId(eosTokenId)
        .optHiddenActivation(hiddenActivation)
        .optRopeScaling(ropeScaling)
        .optPartialRotaryFactor(partialRotaryFactor)
        .optSlidingWindow(slidingWindow)
        .optLayerTypes(layerTypes)
        .optQueryPreAttnScalar(queryPreAttnScalar)
        .optAttnLogitSoftcapping(attnLogitSoftcapping)
        .optFinalLogitSoftcapping(finalLogitSoftcapping);
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

  /** The MLP activation's Hugging Face name ({@code silu}, {@code gelu_pytorch_tanh}, ...). */
  public String hiddenActivation() {
    return hiddenActivation;
  }

  /** Scaled rotary frequencies (Llama 3, longrope), or null for plain RoPE. */
  public RopeScaling ropeScaling() {
    return ropeScaling;
  }

  /** The fraction of each head's dimensions that rotate (Phi-3: 0.75); 1 for all. */
  public double partialRotaryFactor() {
    return partialRotaryFactor;
  }

  /** {@code sliding_window}, 0 if none. */
  public int slidingWindow() {
    return slidingWindow;
  }

  /**
   * {@code layer_types}: which layers attend through the sliding window; empty means every layer
   * does when a window is set.
   */
  public List<String> layerTypes() {
    return layerTypes;
  }

  /** The attention window of layer {@code layer}: its number of visible keys, 0 for all. */
  public int attentionWindow(int layer) {
    if (slidingWindow == 0) return 0;
    if (layerTypes.isEmpty()) return slidingWindow;
    return layerTypes.get(layer).equals(SLIDING_ATTENTION) ? slidingWindow : 0;
  }

  /**
   * The attention-score scale: {@code query_pre_attn_scalar^-1/2} (Gemma 2), else {@code
   * head_dim^-1/2}.
   */
  public double attentionScale() {
    return 1 / Math.sqrt(queryPreAttnScalar > 0 ? queryPreAttnScalar : headDim);
  }

  /** {@code query_pre_attn_scalar}, 0 if absent (then head_dim applies). */
  public double queryPreAttnScalar() {
    return queryPreAttnScalar;
  }

  /** {@code attn_logit_softcapping}, 0 if none. */
  public double attnLogitSoftcapping() {
    return attnLogitSoftcapping;
  }

  /** {@code final_logit_softcapping}, 0 if none. */
  public double finalLogitSoftcapping() {
    return finalLogitSoftcapping;
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
    private String hiddenActivation = "silu";
    private RopeScaling ropeScaling;
    private double partialRotaryFactor = 1.0;
    private int slidingWindow;
    private List<String> layerTypes = List.of();
    private double queryPreAttnScalar;
    private double attnLogitSoftcapping;
    private double finalLogitSoftcapping;

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

    public Builder optHiddenActivation(String hiddenActivation) {
      this.hiddenActivation = hiddenActivation;
      return this;
    }

    /** Scaled rotary frequencies; null (the default) for plain RoPE. */
    public Builder optRopeScaling(RopeScaling ropeScaling) {
      this.ropeScaling = ropeScaling;
      return this;
    }

    public Builder optPartialRotaryFactor(double partialRotaryFactor) {
      this.partialRotaryFactor = partialRotaryFactor;
      return this;
    }

    /** The attention window (0: none); every layer uses it unless {@link #optLayerTypes} says. */
    public Builder optSlidingWindow(int slidingWindow) {
      this.slidingWindow = slidingWindow;
      return this;
    }

    /** Per layer {@code full_attention} or {@code sliding_attention}; empty: all sliding. */
    public Builder optLayerTypes(List<String> layerTypes) {
      this.layerTypes = List.copyOf(layerTypes);
      return this;
    }

    public Builder optQueryPreAttnScalar(double queryPreAttnScalar) {
      this.queryPreAttnScalar = queryPreAttnScalar;
      return this;
    }

    public Builder optAttnLogitSoftcapping(double attnLogitSoftcapping) {
      this.attnLogitSoftcapping = attnLogitSoftcapping;
      return this;
    }

    public Builder optFinalLogitSoftcapping(double finalLogitSoftcapping) {
      this.finalLogitSoftcapping = finalLogitSoftcapping;
      return this;
    }

    /** The configuration; an IllegalArgumentException names the first bad field. */
    public ModelConfig build() {
      return new ModelConfig(this);
    }
  }
}
