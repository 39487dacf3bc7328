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
  gpt2_small("gpt2", 50257, 768, 12, 12, 12, 3072),
  /** Qwen3-0.6B: GQA, 128-wide heads (16 x 128 = 2048 > hidden 1024), q/k norms, tied head. */
  qwen3_0_6b("qwen3", 151936, 1024, 28, 16, 8, 3072, 128),
  /** A 0.5B Llama-family model shaped like Qwen2.5-0.5B (GQA, tied head). */
  llama_0_5b("qwen2", 151936, 896, 24, 14, 2, 4864),
  /** A tiny GPT-2 (1 layer, hidden 32) for smoke tests of the benchmarks. */
  tiny_gpt2("gpt2", 960, 32, 1, 2, 2, 128),
  /** A 135M Llama shaped like SmolLM2-135M. */
  llama_135m("llama", 49152, 576, 30, 9, 3, 1536);

  final ModelConfig config;

  BenchShape(String family, int vocab, int hidden, int layers, int heads, int kvHeads, int inter) {
    this(family, vocab, hidden, layers, heads, kvHeads, inter, hidden / heads);
  }

  BenchShape(
      String family,
      int vocab,
      int hidden,
      int layers,
      int heads,
      int kvHeads,
      int inter,
      int headDim) {
    boolean gpt2 = family.equals("gpt2");
    config =
        ModelConfig.builder()
            .setFamily(family)
            .setVocabSize(vocab)
            .setHiddenSize(hidden)
            .setNumHiddenLayers(layers)
            .setNumAttentionHeads(heads)
            .setIntermediateSize(inter)
            .optNumKeyValueHeads(kvHeads)
            .optHeadDim(headDim)
            .optMaxPositionEmbeddings(gpt2 ? 1024 : 32768)
            .optNormEps(gpt2 ? 1e-5 : 1e-6)
            .optTieWordEmbeddings(true)
            .optAttentionBias(gpt2 || family.equals("qwen2"))
            .optOutputBias(gpt2)
            .optMlpBias(gpt2)
            .optBosTokenId(gpt2 ? vocab - 1 : 1)
            .optEosTokenId(gpt2 ? vocab - 1 : 2)
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
