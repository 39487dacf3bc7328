package io.qpeft.bench;

import io.qpeft.cli.Cli;
import io.qpeft.cli.ModelResolver;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.model.TransformerLm;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-bench bench}: scoring throughput of the engine against the straightforward reference
 * (full vocabulary logits at every position, fixed padded batches in input order, as the UPR code
 * does), on the same inputs in the same run, with model FLOP utilisation against the matmul peak
 * measured on the model's own weight shapes ({@link MatmulPeak}). {@code --method upr} scores query
 * likelihoods; {@code --method yesno} reads two answer rows' logits at the last position of
 * passage-plus-query prompts, as yes/no rerankers do. Model shapes without weights are in {@link
 * BenchShape}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark query-likelihood scoring: optimized engine vs full-vocabulary reference.")
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
              + " qwen3-0.6b, llama-3.2-1b (default ${DEFAULT-VALUE}).")
  String shape;

  @Option(
      names = "--method",
      defaultValue = "upr",
      description =
          "upr: query log-likelihood given the passage; yesno: logits of two answer tokens at the"
              + " last position of passage + query (default ${DEFAULT-VALUE}).")
  String method;

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
      names = "--runs",
      defaultValue = "1",
      description =
          "Timed runs of the engine and the reference, alternating; the best of each counts"
              + " (steadier figures on a shared machine; default ${DEFAULT-VALUE}).")
  int runs;

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
    boolean yesNo = parseMethod(method); // before the model is built
    if (runs <= 0) throw new IllegalArgumentException("--runs must be positive, got " + runs);
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
      List<ScoreRequest> requests = yesNo ? yesNoPrompts(requests(c)) : requests(c);
      long realTokens = requests.stream().mapToLong(r -> r.length() - 1).sum();
      double usefulFlops = usefulFlops(lm, requests, yesNo ? ANSWERS.length : 0);
      List<MatmulPeak.Result> gemms =
          MatmulPeak.measure(MatmulPeak.blockGemms(c, batchTokens), peakRuns);
      double peak = MatmulPeak.best(gemms);
      out.printf(
          "workload: %s, %d queries x %d passages, %d input tokens (passage ~%d, query %d)%n",
          yesNo ? "yes/no logits of 2 answer tokens" : "query likelihood (UPR)",
          queries,
          passages,
          realTokens,
          passageTokens,
          queryTokens);
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

      Workload work = workload(lm, requests);
      work.engine(requests.subList(0, Math.min(4, requests.size()))); // warm-up
      if (!skipReference) {
        work.reference(requests.subList(0, Math.min(2, requests.size()))); // warm-up
      }
      double fastSeconds = Double.POSITIVE_INFINITY;
      double slowSeconds = Double.POSITIVE_INFINITY;
      float[][] fast = null;
      float[][] slow = null;
      long fastRss = 0;
      for (int run = 0; run < runs; run++) {
        long start = System.nanoTime();
        fast = work.engine(requests);
        fastSeconds = Math.min(fastSeconds, (System.nanoTime() - start) / 1e9);
        if (run == 0)
          fastRss = PeakMemory.rssKb(); // peak so far: the engine's, before the reference
        if (!skipReference) {
          start = System.nanoTime();
          slow = work.reference(requests);
          slowSeconds = Math.min(slowSeconds, (System.nanoTime() - start) / 1e9);
        }
      }
      print(work.engineName(), fastSeconds, requests.size(), realTokens, usefulFlops, peak);
      if (!skipReference) {
        print(work.referenceName(), slowSeconds, requests.size(), realTokens, usefulFlops, peak);
        double maxDiff = 0;
        for (int i = 0; i < fast.length; i++) {
          for (int k = 0; k < fast[i].length; k++) {
            maxDiff = Math.max(maxDiff, Math.abs(fast[i][k] - slow[i][k]));
          }
        }
        out.printf(
            "speed-up engine / reference: %.2fx (best of %d run(s) each); max |%s difference|:"
                + " %.2e%n",
            slowSeconds / fastSeconds, runs, work.quantity(), maxDiff);
      }
      out.printf(
          "peak memory: RSS %.0f MiB after engine run, %.0f MiB overall; heap used %.0f MiB%n",
          fastRss / 1024.0,
          PeakMemory.rssKb() / 1024.0,
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
    }
    return 0;
  }

  private void print(
      String name, double seconds, int pairs, long tokens, double flops, double peak) {
    out.printf(
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

  /** The two answer-token ids of the yes/no workload (any two ids cost the same). */
  private static final int[] ANSWERS = {300, 301};

  private static boolean parseMethod(String method) {
    return switch (method) {
      case "upr" -> false;
      case "yesno" -> true;
      default ->
          throw new IllegalArgumentException(
              "unknown --method '" + method + "'; allowed: upr, yesno");
    };
  }

  /**
   * Yes/no prompts: each passage followed by its query, as one prompt whose last position is read;
   * kept as requests with a one-token dummy target so that both workloads count tokens alike.
   */
  private static List<ScoreRequest> yesNoPrompts(List<ScoreRequest> upr) {
    List<ScoreRequest> out = new ArrayList<>(upr.size());
    for (ScoreRequest r : upr) {
      int[] p = r.promptIds();
      int[] q = r.targetIds();
      int[] prompt = java.util.Arrays.copyOf(p, p.length + q.length);
      System.arraycopy(q, 0, prompt, p.length, q.length);
      out.add(new ScoreRequest(prompt, new int[] {ANSWERS[0]}));
    }
    return out;
  }

  /** One timed workload: the engine's way and the reference's way to the same numbers. */
  private interface Workload {
    float[][] engine(List<ScoreRequest> requests);

    float[][] reference(List<ScoreRequest> requests);

    String engineName();

    String referenceName();

    String quantity();
  }

  private Workload workload(TransformerLm lm, List<ScoreRequest> requests) {
    boolean yesNo = parseMethod(method);
    return new Workload() {
      @Override
      public float[][] engine(List<ScoreRequest> part) {
        if (yesNo) return lm.lastPositionLogits(prompts(part), ANSWERS, batchTokens);
        return logprobs(lm.score(part, batchTokens));
      }

      @Override
      public float[][] reference(List<ScoreRequest> part) {
        if (yesNo)
          return lm.lastPositionLogitsFullVocabulary(prompts(part), ANSWERS, referenceBatch);
        return logprobs(lm.scoreFullVocabulary(part, referenceBatch));
      }

      @Override
      public String engineName() {
        return yesNo
            ? "engine (2 answer rows at the last position, token budget)"
            : "engine (target-only logits, token-budget batches)";
      }

      @Override
      public String referenceName() {
        return "reference (full-vocabulary logits, padded batches of " + referenceBatch + ")";
      }

      @Override
      public String quantity() {
        return yesNo ? "logit" : "logprob";
      }
    };
  }

  private static List<int[]> prompts(List<ScoreRequest> requests) {
    return requests.stream().map(ScoreRequest::promptIds).toList();
  }

  private static float[][] logprobs(List<TargetScore> scores) {
    return scores.stream().map(TargetScore::targetLogprobs).toArray(float[][]::new);
  }

  /**
   * FLOPs of the work scoring needs: 2 per weight per input token in the blocks, attention scores
   * and mixing (2 x 2 x layers x heads x head_dim per query-key pair), and the head at target
   * positions only ({@code answerRows} > 0: that many head rows at the last position instead).
   */
  static double usefulFlops(TransformerLm lm, List<ScoreRequest> requests, int answerRows) {
    ModelConfig c = lm.config();
    double blockParams = lm.parameterCount() - (double) c.vocabSize() * c.hiddenSize();
    double flops = 0;
    for (ScoreRequest r : requests) {
      double n = r.length() - 1;
      flops += 2 * blockParams * n;
      flops += 4.0 * c.numHiddenLayers() * c.numAttentionHeads() * c.headDim() * n * (n + 1) / 2;
      double headRows = answerRows > 0 ? answerRows : c.vocabSize();
      flops += 2.0 * c.hiddenSize() * headRows * (answerRows > 0 ? 1 : r.targetIds().length);
    }
    return flops;
  }
}
