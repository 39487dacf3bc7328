package io.qpeft.bench;

import io.qpeft.cli.Cli;
import io.qpeft.cli.ModelResolver;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
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
import java.util.function.Supplier;
import picocli.CommandLine.Command;
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
          "Random-weight model shape when --model is absent: gpt2-small, llama-135m, llama-0.5b (default ${DEFAULT-VALUE}).")
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

  @Option(
      names = "--rounds",
      defaultValue = "1",
      description =
          "Engine and reference run alternately this many times; the best time of each counts"
              + " (steadier on a shared machine; default ${DEFAULT-VALUE}).")
  int rounds;

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
    out = spec.commandLine().getOut();
    boolean yesNo = isYesNo(method);
    if (rounds <= 0) throw new IllegalArgumentException("--rounds must be positive, got " + rounds);
    long t0 = System.nanoTime();
    try (TransformerLm lm =
        model == null
            ? Models.random(BenchShape.parse(shape).config, seed)
            : Models.load(ModelResolver.resolve(model))) {
      ModelConfig c = lm.config();
      out.printf(
          "model: %s (%s, %d layers, hidden %d, vocab %d, ~%.0fM parameters), loaded in %.1f s%n",
          model == null ? shape + " (random weights)" : model,
          c.family(),
          c.numHiddenLayers(),
          c.hiddenSize(),
          c.vocabSize(),
          lm.parameterCount() / 1e6,
          (System.nanoTime() - t0) / 1e9);
      List<ScoreRequest> requests = requests(c);
      long realTokens = requests.stream().mapToLong(r -> r.length() - 1).sum();
      double usefulFlops = usefulFlops(lm, requests);
      List<int[]> prompts = yesNo ? prompts(c) : null;
      if (yesNo) {
        realTokens = prompts.stream().mapToLong(p -> p.length).sum();
        usefulFlops = yesNoFlops(lm, prompts);
      }
      List<MatmulPeak.Result> gemms =
          MatmulPeak.measure(MatmulPeak.blockGemms(c, batchTokens), peakRuns);
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
          "machine matmul peak: %.1f GFLOP/s (float32, %d cores; best of %d runs of each of the"
              + " model's %d block weight shapes at %d rows, the token budget)%n",
          peak / 1e9,
          Runtime.getRuntime().availableProcessors(),
          peakRuns,
          gemms.size(),
          batchTokens);
      for (MatmulPeak.Result g : gemms) {
        out.printf("  %-34s %7.1f GFLOP/s%n", g.gemm(), g.flopsPerSecond() / 1e9);
      }

      long fastRss =
          yesNo
              ? benchYesNo(lm, prompts, usefulFlops, peak)
              : benchUpr(lm, requests, realTokens, usefulFlops, peak);
      out.printf(
          "peak memory: RSS %.0f MiB after engine run, %.0f MiB overall; heap used %.0f MiB%n",
          fastRss / 1024.0,
          PeakMemory.rssKb() / 1024.0,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
    }
    return 0;
  }

  /** UPR: target log-probabilities, engine then reference. Returns the RSS after the engine. */
  private long benchUpr(
      TransformerLm lm,
      List<ScoreRequest> requests,
      long realTokens,
      double usefulFlops,
      double peak) {
    lm.score(requests.subList(0, Math.min(4, requests.size())), batchTokens); // warm-up
    if (!skipReference)
      lm.scoreFullVocabulary(requests.subList(0, Math.min(2, requests.size())), 2);
    Comparison<List<TargetScore>> c =
        compare(
            () -> lm.score(requests, batchTokens),
            () -> lm.scoreFullVocabulary(requests, referenceBatch));
    print(
        "engine (target-only logits, token-budget batches)",
        c.engineSeconds,
        requests.size(),
        realTokens,
        usefulFlops,
        peak);
    if (!skipReference) {
      print(
          "reference (full-vocabulary logits, padded batches of " + referenceBatch + ")",
          c.referenceSeconds,
          requests.size(),
          realTokens,
          usefulFlops,
          peak);
      double maxDiff = 0;
      for (int i = 0; i < c.engine.size(); i++) {
        float[] a = c.engine.get(i).targetLogprobs();
        float[] b = c.reference.get(i).targetLogprobs();
        for (int k = 0; k < a.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
      }
      out.printf(
          "speed-up engine / reference: %.2fx; max |logprob difference|: %.2e%n",
          c.referenceSeconds / c.engineSeconds, maxDiff);
    }
    return c.engineRss;
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
    if (!skipReference) {
      lm.lastPositionLogitsFullVocabulary(
          prompts.subList(0, Math.min(2, prompts.size())), answers, 2); // warm-up
    }
    Comparison<float[][]> c =
        compare(
            () -> lm.lastPositionLogits(prompts, answers, batchTokens),
            () -> lm.lastPositionLogitsFullVocabulary(prompts, answers, referenceBatch));
    print(
        "engine (answer rows at the last position, token-budget batches)",
        c.engineSeconds,
        prompts.size(),
        realTokens,
        usefulFlops,
        peak);
    if (!skipReference) {
      print(
          "reference (full-vocabulary logits, padded batches of " + referenceBatch + ")",
          c.referenceSeconds,
          prompts.size(),
          realTokens,
          usefulFlops,
          peak);
      double logitDiff = 0;
      double scoreDiff = 0;
      for (int i = 0; i < c.engine.length; i++) {
        float[] fast = c.engine[i];
        float[] slow = c.reference[i];
        for (int k = 0; k < answers.length; k++) {
          logitDiff = Math.max(logitDiff, Math.abs(fast[k] - slow[k]));
        }
        scoreDiff =
            Math.max(scoreDiff, Math.abs(YesNoReranker.score(fast) - YesNoReranker.score(slow)));
      }
      out.printf(
          "speed-up engine / reference: %.2fx; max |logit difference|: %.2e; max |P(yes)"
              + " difference|: %.2e%n",
          c.referenceSeconds / c.engineSeconds, logitDiff, scoreDiff);
    }
    return c.engineRss;
  }

  /** Both scorers' results, best times over the rounds, and the RSS after the first engine run. */
  private record Comparison<T>(
      T engine, double engineSeconds, T reference, double referenceSeconds, long engineRss) {}

  /**
   * Runs the engine and the reference (unless skipped) alternately {@code --rounds} times; the best
   * time of each counts, so that a burst of load from other jobs slows one round, not the ratio.
   */
  private <T> Comparison<T> compare(Supplier<T> engine, Supplier<T> reference) {
    T fast = null;
    T slow = null;
    double fastBest = Double.POSITIVE_INFINITY;
    double slowBest = Double.POSITIVE_INFINITY;
    long rss = 0;
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      fast = engine.get();
      fastBest = Math.min(fastBest, (System.nanoTime() - start) / 1e9);
      if (r == 0) rss = PeakMemory.rssKb();
      if (skipReference) continue;
      start = System.nanoTime();
      slow = reference.get();
      slowBest = Math.min(slowBest, (System.nanoTime() - start) / 1e9);
    }
    return new Comparison<>(fast, fastBest, slow, slowBest, rss);
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
        "%-66s %7.2f s  %8.1f passages/s  %9.0f tokens/s  MFU %5.1f%%%n",
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
