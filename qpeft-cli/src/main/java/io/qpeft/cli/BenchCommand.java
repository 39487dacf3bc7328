package io.qpeft.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.model.TransformerLm;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qpeft bench}: scoring throughput of the engine against the straightforward reference (full
 * vocabulary logits at every position, fixed padded batches in input order, as the UPR code does),
 * on the same inputs in the same run, with model FLOP utilisation against a measured matmul peak.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark query-likelihood scoring: optimized engine vs full-vocabulary reference.")
public final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      description = "Model folder or hub id; omit to use --shape with random weights.")
  String model;

  @Option(
      names = "--shape",
      defaultValue = "gpt2-small",
      description =
          "Random-weight model shape when --model is absent: gpt2-small, llama-135m, llama-0.5b (default ${DEFAULT-VALUE}).")
  String shape;

  @Option(
      names = "--queries",
      defaultValue = "2",
      description = "Queries (default ${DEFAULT-VALUE}).")
  int queries;

  @Option(
      names = "--passages",
      defaultValue = "100",
      description = "Passages per query (default ${DEFAULT-VALUE}).")
  int passages;

  @Option(
      names = "--passage-tokens",
      defaultValue = "128",
      description =
          "Mean passage length L in tokens; lengths vary uniformly in [L/2, 3L/2] (default ${DEFAULT-VALUE}).")
  int passageTokens;

  @Option(
      names = "--query-tokens",
      defaultValue = "12",
      description = "Query length in tokens (default ${DEFAULT-VALUE}).")
  int queryTokens;

  @Option(
      names = "--batch-tokens",
      defaultValue = "2048",
      description =
          "Padded-token budget per forward pass of the engine (default ${DEFAULT-VALUE}).")
  int batchTokens;

  @Option(
      names = "--reference-batch",
      defaultValue = "16",
      description = "Batch size of the reference scorer (default ${DEFAULT-VALUE}).")
  int referenceBatch;

  @Option(names = "--skip-reference", description = "Only run the optimized engine.")
  boolean skipReference;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  /** Model shapes for benchmarking without weights. */
  public enum Shapes {
    /** GPT-2 small, 124M parameters. */
    gpt2_small("gpt2", 50257, 768, 12, 12, 12, 3072),
    /** A 0.5B Llama-family model shaped like Qwen2.5-0.5B (GQA, tied head). */
    llama_0_5b("qwen2", 151936, 896, 24, 14, 2, 4864),
    /** A 135M Llama shaped like SmolLM2-135M. */
    llama_135m("llama", 49152, 576, 30, 9, 3, 1536);

    final ModelConfig config;

    Shapes(String family, int vocab, int hidden, int layers, int heads, int kvHeads, int inter) {
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
              .optMaxPositionEmbeddings(gpt2 ? 1024 : 32768)
              .optNormEps(gpt2 ? 1e-5 : 1e-6)
              .optTieWordEmbeddings(true)
              .optAttentionBias(gpt2 || family.equals("qwen2"))
              .optOutputBias(gpt2)
              .optMlpBias(gpt2)
              .optBosTokenId(gpt2 ? 50256 : 1)
              .optEosTokenId(gpt2 ? 50256 : 2)
              .build();
    }

    @Override
    public String toString() {
      return name().replace("_0_", "-0.").replace('_', '-');
    }

    static Shapes parse(String s) {
      for (Shapes v : values()) {
        if (v.toString().equalsIgnoreCase(s)) return v;
      }
      throw new IllegalArgumentException(
          "unknown --shape '" + s + "'; allowed: gpt2-small, llama-135m, llama-0.5b");
    }
  }

  @Override
  public Integer call() throws IOException {
    long t0 = System.nanoTime();
    try (TransformerLm lm =
        model == null
            ? Models.random(Shapes.parse(shape).config, seed)
            : Models.load(ModelResolver.resolve(model))) {
      ModelConfig c = lm.config();
      System.out.printf(
          "model: %s (%s, %d layers, hidden %d, vocab %d, ~%.0fM parameters), loaded in %.1f s%n",
          model == null ? shape + " (random weights)" : model,
          c.family(),
          c.numHiddenLayers(),
          c.hiddenSize(),
          c.vocabSize(),
          c.parameterCount() / 1e6,
          (System.nanoTime() - t0) / 1e9);
      List<ScoreRequest> requests = requests(c);
      long realTokens = requests.stream().mapToLong(r -> r.length() - 1).sum();
      double usefulFlops = usefulFlops(c, requests);
      double peak = matmulPeak();
      System.out.printf(
          "workload: %d queries x %d passages, %d input tokens (passage ~%d, query %d)%n",
          queries, passages, realTokens, passageTokens, queryTokens);
      System.out.printf(
          "machine matmul peak: %.1f GFLOP/s (float32, %d threads)%n",
          peak / 1e9, Runtime.getRuntime().availableProcessors());

      lm.score(requests.subList(0, Math.min(4, requests.size())), batchTokens); // warm-up
      long start = System.nanoTime();
      List<TargetScore> fast = lm.score(requests, batchTokens);
      double fastSeconds = (System.nanoTime() - start) / 1e9;
      long fastRss = PeakMemory.rssKb();
      print(
          "engine (target-only logits, token-budget batches)",
          fastSeconds,
          requests.size(),
          realTokens,
          usefulFlops,
          peak);

      if (!skipReference) {
        lm.scoreFullVocabulary(requests.subList(0, Math.min(2, requests.size())), 2); // warm-up
        start = System.nanoTime();
        List<TargetScore> slow = lm.scoreFullVocabulary(requests, referenceBatch);
        double slowSeconds = (System.nanoTime() - start) / 1e9;
        print(
            "reference (full-vocabulary logits, padded batches of " + referenceBatch + ")",
            slowSeconds,
            requests.size(),
            realTokens,
            usefulFlops,
            peak);
        double maxDiff = 0;
        for (int i = 0; i < fast.size(); i++) {
          float[] a = fast.get(i).targetLogprobs();
          float[] b = slow.get(i).targetLogprobs();
          for (int k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
        }
        System.out.printf(
            "speed-up engine / reference: %.2fx; max |logprob difference|: %.2e%n",
            slowSeconds / fastSeconds, maxDiff);
      }
      System.out.printf(
          "peak memory: RSS %.0f MiB after engine run, %.0f MiB overall; heap used %.0f MiB%n",
          fastRss / 1024.0,
          PeakMemory.rssKb() / 1024.0,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
    }
    return 0;
  }

  private static void print(
      String name, double seconds, int pairs, long tokens, double flops, double peak) {
    System.out.printf(
        "%-62s %7.2f s  %8.1f passages/s  %9.0f tokens/s  MFU %5.1f%%%n",
        name, seconds, pairs / seconds, tokens / seconds, 100 * flops / seconds / peak);
  }

  /** Random token ids, avoiding the lowest ids (special tokens in most vocabularies). */
  private List<ScoreRequest> requests(ModelConfig c) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<ScoreRequest> out = new ArrayList<>();
    int lo = Math.min(260, c.vocabSize() / 2);
    for (int q = 0; q < queries; q++) {
      int[] query = new int[queryTokens];
      for (int i = 0; i < query.length; i++) query[i] = rnd.nextInt(lo, c.vocabSize());
      for (int p = 0; p < passages; p++) {
        int len = Math.max(1, rnd.nextInt(passageTokens / 2, passageTokens * 3 / 2 + 1));
        int[] prompt = new int[len];
        for (int i = 0; i < len; i++) prompt[i] = rnd.nextInt(lo, c.vocabSize());
        out.add(new ScoreRequest(prompt, query));
      }
    }
    return out;
  }

  /**
   * FLOPs of the work scoring needs: 2 per weight per input token in the blocks, attention scores
   * and mixing (2 x 2 x layers x hidden per query-key pair), and the head at target positions only.
   */
  static double usefulFlops(ModelConfig c, List<ScoreRequest> requests) {
    double blockParams = c.parameterCount() - (double) c.vocabSize() * c.hiddenSize();
    double flops = 0;
    for (ScoreRequest r : requests) {
      double n = r.length() - 1;
      flops += 2 * blockParams * n;
      flops += 4.0 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * n * (n + 1) / 2;
      flops += 2.0 * c.hiddenSize() * c.vocabSize() * r.targetIds().length;
    }
    return flops;
  }

  /**
   * Best of a few float32 matmuls of 2048 x 2048 matrices, in FLOP/s. A measured, not a nominal,
   * peak: on a busy machine it is low, and MFU can then exceed 100%.
   */
  static double matmulPeak() {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 2048;
      NDArray a = m.randomNormal(new Shape(n, n));
      NDArray b = m.randomNormal(new Shape(n, n));
      double best = 0;
      for (int i = 0; i < 6; i++) {
        long s = System.nanoTime();
        try (NDArray c = a.matMul(b)) {
          c.toFloatArray(); // force completion
        }
        best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - s) / 1e9));
      }
      return best;
    }
  }
}
