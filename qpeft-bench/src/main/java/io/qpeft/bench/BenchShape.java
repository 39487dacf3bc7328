package io.qpeft.bench;

import io.qpeft.model.ModelConfig;

/**
 * Model shapes for benchmarking without weights ({@code qpeft-bench bench --shape NAME}): a random
 * model of the shape costs what the real model costs. A new shape is one more constant here; the
 * name is the constant's, lower case, with {@code _0_} read as {@code -0.} and {@code _} as {@code
 * -}.
 */
enum BenchShape {
  /** GPT-2 small, 124M parameters. */
  gpt2_small(gpt2(50257, 768, 12, 12, 3072)),
  /** A 0.5B Llama-family model shaped like Qwen2.5-0.5B (GQA, tied head). */
  llama_0_5b(decoder("qwen2", 151936, 896, 24, 14, 2, 64, 4864, true, 32768, 1e-6)),
  /** A 135M Llama shaped like SmolLM2-135M. */
  llama_135m(decoder("llama", 49152, 576, 30, 9, 3, 64, 1536, true, 32768, 1e-6)),
  /**
   * Qwen3-0.6B (the size of Qwen3-Reranker-0.6B): head_dim 128 (q_proj 2048 wide on hidden 1024),
   * q/k norms, GQA 16/8, tied head over 151936 rows.
   */
  qwen3_0_6b(decoder("qwen3", 151936, 1024, 28, 16, 8, 128, 3072, true, 40960, 1e-6)),
  /** Llama-2-7B, Q-PEFT's own base model (Llama-2-7b-chat has the same shape). */
  llama_2_7b(decoder("llama", 32000, 4096, 32, 32, 32, 128, 11008, false, 4096, 1e-5));

  final ModelConfig config;

  BenchShape(ModelConfig config) {
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
        .optBosTokenId(50256)
        .optEosTokenId(50256)
        .build();
  }

  private static ModelConfig decoder(
      String family,
      int vocab,
      int hidden,
      int layers,
      int heads,
      int kvHeads,
      int headDim,
      int inter,
      boolean tied,
      int positions,
      double eps) {
    return ModelConfig.builder()
        .setFamily(family)
        .setVocabSize(vocab)
        .setHiddenSize(hidden)
        .setNumHiddenLayers(layers)
        .setNumAttentionHeads(heads)
        .setIntermediateSize(inter)
        .optNumKeyValueHeads(kvHeads)
        .optHeadDim(headDim)
        .optMaxPositionEmbeddings(positions)
        .optNormEps(eps)
        .optTieWordEmbeddings(tied)
        .optAttentionBias(family.equals("qwen2"))
        .optBosTokenId(1)
        .optEosTokenId(2)
        .build();
  }

  @Override
  public String toString() {
    return name().replace("_0_", "-0.").replace('_', '-');
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
