package io.qpeft.bench;

import io.qpeft.cli.Cli;
import io.qpeft.cli.DeviceOptions;
import io.qpeft.cli.ModelResolver;
import io.qpeft.model.EngineOptions;
import io.qpeft.model.MemoryBudget;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.Placement;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.model.TransformerLm;
import io.qpeft.rerank.YesNoReranker;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-bench bench}: scoring throughput of the engine against the straightforward reference
 * (full vocabulary logits at every position, fixed padded batches in input order, as the UPR code
 * and the yes/no rerankers' model cards do), on the same inputs in the same run, with model FLOP
 * utilisation against the matmul peak measured on the model's own weight shapes ({@link
 * MatmulPeak}). {@code --method upr} scores query likelihoods; {@code --method yesno} reads two
 * answer tokens' logits at each prompt's last position. Model shapes without weights are in {@link
 * BenchShape}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark scoring (query likelihood, or yes/no answer logits with --method yesno):"
            + " optimized engine vs full-vocabulary reference.")
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  private PrintWriter out;

  @Option(
      names = "--model",
      description = "Model folder or hub id; omit to use --shape with random weights.")
  String model;

  @Option(
      names = "--shape",
      defaultValue = "gpt2-small",
      description =
          "Random-weight model shape when --model is absent: gpt2-small, llama-135m, llama-0.5b,"
              + " qwen3-0.6b, llama-3.2-1b, llama-2-7b, tiny-gpt2 (default ${DEFAULT-VALUE}).")
  String shape;

  @Option(
      names = "--method",
      defaultValue = "upr",
      description =
          "upr: query log-likelihoods (target tokens); yesno: two answer tokens' logits at the last"
              + " position of prompts of template + query + passage (default ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--template-tokens",
      defaultValue = "64",
      description =
          "yesno: fixed template tokens in every prompt, besides query and passage (default ${DEFAULT-VALUE}).")
  int templateTokens;

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

  @Mixin DeviceOptions deviceOptions;

  @Option(
      names = "--batch-tokens",
      description =
          "Padded-token budget per forward pass of the engine (default: the model's, 2048 on the"
              + " CPU, from free memory on a GPU).")
  Integer batchTokensOption;

  @Option(
      names = "--peak-tflops",
      paramLabel = "T",
      description =
          "The device's dense half-precision tensor peak in TFLOP/s (H100/H200 SXM: 989), for an"
              + " MFU against the card's specification besides the one against the measured GEMM"
              + " peak.")
  Double peakTflops;

  /** The token budget in use: {@code --batch-tokens} or the model's. */
  private int batchTokens;

  /** GPU memory samples (nothing on the CPU). */
  private DeviceMemory memory;

  @Option(
      names = "--reference-batch",
      defaultValue = "16",
      description = "Batch size of the reference scorer (default ${DEFAULT-VALUE}).")
  int referenceBatch;

  @Option(names = "--skip-reference", description = "Only run the optimized engine.")
  boolean skipReference;

  @Option(
      names = "--peak-runs",
      defaultValue = "8",
      description =
          "Runs of each matmul shape for the peak; the best counts (default ${DEFAULT-VALUE}).")
  int peakRuns;

  @Option(names = "--seed", defaultValue = "42")
  long seed;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::bench);
  }

  private int bench() throws Exception {
    Cli.requirePositive("--queries", queries);
    Cli.requirePositive("--passages", passages);
    Cli.requirePositive("--passage-tokens", passageTokens);
    Cli.requirePositive("--query-tokens", queryTokens);
    if (batchTokens < 0) {
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
    }
    Cli.requirePositive("--reference-batch", referenceBatch);
    Cli.requirePositive("--peak-runs", peakRuns);
    out = spec.commandLine().getOut();
    boolean yesNo = isYesNo(method);
    if (peakTflops != null && !(peakTflops > 0)) {
      throw new IllegalArgumentException("--peak-tflops must be positive, got " + peakTflops);
    }
    if (batchTokensOption != null && batchTokensOption <= 0) {
      throw new IllegalArgumentException(
          "--batch-tokens must be positive, got " + batchTokensOption);
    }
    EngineOptions engine = deviceOptions.engineOptions();
    long t0 = System.nanoTime();
    try (TransformerLm lm =
        model == null
            ? Models.random(BenchShape.parse(shape).config, seed, engine)
            : Models.load(ModelResolver.resolve(model), engine)) {
      ModelConfig c = lm.config();
      Placement placement = lm.placement();
      batchTokens = batchTokensOption != null ? batchTokensOption : lm.defaultBatchTokens();
      memory = new DeviceMemory(placement);
      out.printf(
          "model: %s (%s, %d layers, hidden %d, vocab %d, ~%.0fM parameters), loaded in %.1f s%n",
          model == null ? shape + " (random weights)" : model,
          c.family(),
          c.numHiddenLayers(),
          c.hiddenSize(),
          c.vocabSize(),
          lm.parameterCount() / 1e6,
          (System.nanoTime() - t0) / 1e9);
      out.printf("%s, %d tokens per forward pass%n", placement.describe(), batchTokens);
      List<ScoreRequest> requests = requests(c);
      long realTokens = requests.stream().mapToLong(r -> r.length() - 1).sum();
      double usefulFlops = usefulFlops(lm, requests);
      List<int[]> prompts = yesNo ? prompts(c) : null;
      if (yesNo) {
        realTokens = prompts.stream().mapToLong(p -> p.length).sum();
        usefulFlops = yesNoFlops(lm, prompts);
      }
      List<MatmulPeak.Result> gemms =
          MatmulPeak.measure(MatmulPeak.blockGemms(c, peakRows()), peakRuns, lm);
      double peak = MatmulPeak.best(gemms);
      out.printf(
          "workload: %d queries x %d passages, %d input tokens (passage ~%d, query %d%s)%n",
          queries,
          passages,
          realTokens,
          passageTokens,
          queryTokens,
          yesNo ? ", template " + templateTokens + "; 2 answer tokens" : "");
      out.printf(
          "%s matmul peak: %.1f GFLOP/s (%s, %s; best of %d runs of each of the model's %d block"
              + " weight shapes at %d rows, the token budget)%n",
          placement.isGpu() ? "device" : "machine",
          peak / 1e9,
          placement.dtype().label(),
          placement.isGpu()
              ? placement.deviceName()
              : Runtime.getRuntime().availableProcessors() + " cores",
          peakRuns,
          gemms.size(),
          peakRows());
      for (MatmulPeak.Result g : gemms) {
        out.printf("  %-34s %7.1f GFLOP/s%n", g.gemm(), g.flopsPerSecond() / 1e9);
      }
      if (peakTflops != null) {
        out.printf("stated device peak for MFU: %.1f TFLOP/s%n", peakTflops);
      }
      memory.sample();

      long fastRss =
          yesNo
              ? benchYesNo(lm, prompts, usefulFlops, peak)
              : benchUpr(lm, requests, realTokens, usefulFlops, peak);
      out.printf(
          "peak memory: RSS %.0f MiB after engine run, %.0f MiB overall; heap used %.0f MiB%n",
          fastRss / 1024.0,
          PeakMemory.rssKb() / 1024.0,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
      memory.report(out);
    }
    return 0;
  }

  /**
   * Rows of the peak's GEMMs: the token budget, at most {@link MemoryBudget#MAX_TOKENS} (a huge
   * {@code --batch-tokens} would make the peak's matrices themselves too large).
   */
  private int peakRows() {
    return Math.min(batchTokens, MemoryBudget.MAX_TOKENS);
  }

  /** UPR: target log-probabilities, engine then reference. Returns the RSS after the engine. */
  private long benchUpr(
      TransformerLm lm,
      List<ScoreRequest> requests,
      long realTokens,
      double usefulFlops,
      double peak) {
    lm.score(requests.subList(0, Math.min(4, requests.size())), batchTokens); // warm-up
    long start = System.nanoTime();
    List<TargetScore> fast = lm.score(requests, batchTokens);
    double fastSeconds = (System.nanoTime() - start) / 1e9;
    long fastRss = PeakMemory.rssKb();
    memory.sample();
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
      memory.sample();
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
      out.printf(
          "speed-up engine / reference: %.2fx; max |logprob difference|: %.2e%n",
          slowSeconds / fastSeconds, maxDiff);
    }
    return fastRss;
  }

  /**
   * Yes/no: two answer rows at each prompt's last position, engine (those rows only, token-budget
   * batches) then reference (full-vocabulary logits at every position, fixed batches). Returns the
   * RSS after the engine.
   */
  private long benchYesNo(TransformerLm lm, List<int[]> prompts, double usefulFlops, double peak) {
    int[] answers = {lm.config().vocabSize() - 7, lm.config().vocabSize() / 3}; // "yes", "no"
    long realTokens = prompts.stream().mapToLong(p -> p.length).sum();
    lm.lastPositionLogits(prompts.subList(0, Math.min(4, prompts.size())), answers, batchTokens);
    long start = System.nanoTime();
    float[][] fast = lm.lastPositionLogits(prompts, answers, batchTokens);
    double fastSeconds = (System.nanoTime() - start) / 1e9;
    long fastRss = PeakMemory.rssKb();
    memory.sample();
    print(
        "engine (answer rows at the last position, token-budget batches)",
        fastSeconds,
        prompts.size(),
        realTokens,
        usefulFlops,
        peak);
    if (!skipReference) {
      lm.lastPositionLogitsFullVocabulary(
          prompts.subList(0, Math.min(2, prompts.size())), answers, 2);
      start = System.nanoTime();
      float[][] slow = lm.lastPositionLogitsFullVocabulary(prompts, answers, referenceBatch);
      double slowSeconds = (System.nanoTime() - start) / 1e9;
      memory.sample();
      print(
          "reference (full-vocabulary logits, padded batches of " + referenceBatch + ")",
          slowSeconds,
          prompts.size(),
          realTokens,
          usefulFlops,
          peak);
      double logitDiff = 0;
      double scoreDiff = 0;
      for (int i = 0; i < fast.length; i++) {
        for (int k = 0; k < answers.length; k++) {
          logitDiff = Math.max(logitDiff, Math.abs(fast[i][k] - slow[i][k]));
        }
        scoreDiff =
            Math.max(
                scoreDiff, Math.abs(YesNoReranker.score(fast[i]) - YesNoReranker.score(slow[i])));
      }
      out.printf(
          "speed-up engine / reference: %.2fx; max |logit difference|: %.2e; max |P(yes)"
              + " difference|: %.2e%n",
          slowSeconds / fastSeconds, logitDiff, scoreDiff);
    }
    return fastRss;
  }

  private static boolean isYesNo(String m) {
    return switch (m.toLowerCase(java.util.Locale.ROOT)) {
      case "upr" -> false;
      case "yesno" -> true;
      default ->
          throw new IllegalArgumentException("unknown --method '" + m + "'; allowed: upr, yesno");
    };
  }

  /**
   * Yes/no prompts: the same random template block, a query per query, a passage per pair (random
   * ids avoiding the lowest, as {@link #requests}).
   */
  private List<int[]> prompts(ModelConfig c) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int lo = Math.min(260, c.vocabSize() / 2);
    int[] template = new int[templateTokens];
    for (int i = 0; i < template.length; i++) template[i] = rnd.nextInt(lo, c.vocabSize());
    List<int[]> out = new ArrayList<>();
    for (int q = 0; q < queries; q++) {
      int[] query = new int[queryTokens];
      for (int i = 0; i < query.length; i++) query[i] = rnd.nextInt(lo, c.vocabSize());
      for (int p = 0; p < passages; p++) {
        int len = Math.max(1, rnd.nextInt(passageTokens / 2, passageTokens * 3 / 2 + 1));
        int[] prompt = new int[template.length + query.length + len];
        System.arraycopy(template, 0, prompt, 0, template.length);
        System.arraycopy(query, 0, prompt, template.length, query.length);
        for (int i = template.length + query.length; i < prompt.length; i++) {
          prompt[i] = rnd.nextInt(lo, c.vocabSize());
        }
        out.add(prompt);
      }
    }
    return out;
  }

  /**
   * FLOPs of the work a yes/no score needs: the blocks and attention over every prompt token (as
   * {@link #usefulFlops}) and the head for the 2 answer rows at the last position only.
   */
  static double yesNoFlops(TransformerLm lm, List<int[]> prompts) {
    ModelConfig c = lm.config();
    double blockParams = lm.parameterCount() - (double) c.vocabSize() * c.hiddenSize();
    double flops = 0;
    for (int[] p : prompts) {
      double n = p.length;
      flops += 2 * blockParams * n;
      flops += 4.0 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * n * (n + 1) / 2;
      flops += 2.0 * c.hiddenSize() * 2;
    }
    return flops;
  }

  private void print(
      String name, double seconds, int pairs, long tokens, double flops, double peak) {
    out.printf(
        "%-66s %7.2f s  %8.1f passages/s  %9.0f tokens/s  MFU %5.1f%%",
        name, seconds, pairs / seconds, tokens / seconds, 100 * flops / seconds / peak);
    if (peakTflops != null) {
      out.printf(" (%.1f%% of the stated peak)", 100 * flops / seconds / (peakTflops * 1e12));
    }
    out.println();
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
  static double usefulFlops(TransformerLm lm, List<ScoreRequest> requests) {
    ModelConfig c = lm.config();
    double blockParams = lm.parameterCount() - (double) c.vocabSize() * c.hiddenSize();
    double flops = 0;
    for (ScoreRequest r : requests) {
      double n = r.length() - 1;
      flops += 2 * blockParams * n;
      flops += 4.0 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * n * (n + 1) / 2;
      flops += 2.0 * c.hiddenSize() * c.vocabSize() * r.targetIds().length;
    }
    return flops;
  }
}
