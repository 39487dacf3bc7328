package io.qpeft.bench;

import io.qpeft.model.ModelConfig;
import io.qpeft.model.RopeScaling;

/**
 * Model shapes for benchmarking without weights ({@code qpeft-bench bench --shape NAME}): a random
 * model of the shape costs what the real model costs. Each shape copies the architecture fields of
 * the public {@code config.json} it is named after. A new shape is one more constant here.
 */
enum BenchShape {
  /** GPT-2 small, 124M parameters. */
  gpt2_small("gpt2-small", gpt2(50257, 768, 12, 12, 3072)),
  /** A 0.5B Llama-family model shaped like Qwen2.5-0.5B (GQA, tied head). */
  llama_0_5b(
      "llama-0.5b", decoder("qwen2", 151936, 896, 24, 14, 2, 4864).optAttentionBias(true).build()),
  /** A 135M Llama shaped like SmolLM2-135M. */
  llama_135m("llama-135m", decoder("llama", 49152, 576, 30, 9, 3, 1536).build()),
  /**
   * Qwen3-0.6B: head_dim 128 with hidden 1024 (q_proj 2048 wide), q/k norms, 151936-row tied head.
   */
  qwen3_0_6b(
      "qwen3-0.6b",
      decoder("qwen3", 151936, 1024, 28, 16, 8, 3072).optHeadDim(128).optRopeTheta(1e6).build()),
  /** Llama-3.2-1B: GQA 32/8, head_dim 64, llama3 RoPE scaling (factor 32), 128256-row tied head. */
  llama3_2_1b(
      "llama-3.2-1b",
      decoder("llama", 128256, 2048, 16, 32, 8, 8192)
          .optRopeTheta(500000)
          .optRopeScaling(RopeScaling.llama3(32, 1, 4, 8192))
          .optMaxPositionEmbeddings(131072)
          .optNormEps(1e-5)
          .build()),
  /** Llama-2-7B, Q-PEFT's own base model (Llama-2-7b-chat has the same shape), untied head. */
  llama_2_7b(
      "llama-2-7b",
      decoder("llama", 32000, 4096, 32, 32, 32, 11008)
          .optHeadDim(128)
          .optMaxPositionEmbeddings(4096)
          .optNormEps(1e-5)
          .optTieWordEmbeddings(false)
          .build());

  private final String label;
  final ModelConfig config;

  BenchShape(String label, ModelConfig config) {
    this.label = label;
    this.config = config;
  }

  private static ModelConfig gpt2(int vocab, int hidden, int layers, int heads, int inter) {
    return ModelConfig.builder()
        .setFamily("gpt2")
        .setVocabSize(vocab)
        .setHiddenSize(hidden)
        .setNumHiddenLayers(layers)
        .setNumAttentionHeads(heads)
        .setIntermediateSize(inter)
        .optMaxPositionEmbeddings(1024)
        .optNormEps(1e-5)
        .optTieWordEmbeddings(true)
        .optAttentionBias(true)
        .optOutputBias(true)
        .optMlpBias(true)
        .optHiddenActivation("gelu_new")
        .optBosTokenId(50256)
        .optEosTokenId(50256)
        .build();
  }

  /** An RMSNorm rotary decoder with a tied head; the caller adds what differs. */
  private static ModelConfig.Builder decoder(
      String family, int vocab, int hidden, int layers, int heads, int kvHeads, int inter) {
    return ModelConfig.builder()
        .setFamily(family)
        .setVocabSize(vocab)
        .setHiddenSize(hidden)
        .setNumHiddenLayers(layers)
        .setNumAttentionHeads(heads)
        .setIntermediateSize(inter)
        .optNumKeyValueHeads(kvHeads)
        .optMaxPositionEmbeddings(32768)
        .optNormEps(1e-6)
        .optTieWordEmbeddings(true)
        .optBosTokenId(1)
        .optEosTokenId(2);
  }

  @Override
  public String toString() {
    return label;
  }

  static BenchShape parse(String s) {
    for (BenchShape v : values()) {
      if (v.toString().equalsIgnoreCase(s)) return v;
    }
    throw new IllegalArgumentException(
        "unknown --shape '"
            + s
            + "'; allowed: "
            + String.join(", ", java.util.Arrays.stream(values()).map(String::valueOf).toList()));
  }
}
