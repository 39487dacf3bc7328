package io.qpeft.bench;

import io.qpeft.bench.LoadBenchmark.Item;
import io.qpeft.bench.LoadBenchmark.Options;
import io.qpeft.bench.LoadBenchmark.Report;
import io.qpeft.cli.Cli;
import io.qpeft.cli.ModelOptions;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.rerank.Scored;
import io.qpeft.server.BatchPolicy;
import io.qpeft.server.RerankServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft bench-serve}: a loopback load test of {@code /v1/rerank}. It starts the server
 * in-process (or targets {@code --url} on this machine), sends seeded synthetic requests from
 * concurrent clients, bounded in count and time, and checks every answer against the offline {@code
 * Reranker.rerank}. In-process, it runs the same load twice, with dynamic batching and without (one
 * request per scoring call), and prints the ratio.
 */
@Command(
    name = "bench-serve",
    mixinStandardHelpOptions = true,
    description = {
      "Load-test POST /v1/rerank on loopback: throughput, latency, status codes, and whether the"
          + " scores equal the offline Reranker.rerank; in-process, batched vs unbatched."
    })
public final class BenchServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "Target a running server at this loopback URL instead of starting one.")
  URI url;

  @Option(
      names = "--api-key-env",
      paramLabel = "VAR",
      description = "With --url: send the bearer token from environment variable VAR.")
  String apiKeyEnv;

  @Option(
      names = "--clients",
      defaultValue = "8",
      paramLabel = "N",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(
      names = "--requests",
      defaultValue = "200",
      paramLabel = "N",
      description = "Requests per run, at most (default: ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--max-seconds",
      defaultValue = "60",
      paramLabel = "S",
      description =
          "Time per run, at most; clients stop sending after it (default: ${DEFAULT-VALUE}).")
  int maxSeconds;

  @Option(
      names = "--documents",
      defaultValue = "20",
      paramLabel = "N",
      description = "Documents per request (default: ${DEFAULT-VALUE}).")
  int documents;

  @Option(
      names = "--words",
      defaultValue = "50",
      paramLabel = "N",
      description = "Words per document (default: ${DEFAULT-VALUE}).")
  int words;

  @Option(
      names = "--distinct",
      defaultValue = "32",
      paramLabel = "N",
      description = "Distinct requests, sent round-robin (default: ${DEFAULT-VALUE}).")
  int distinct;

  @Option(
      names = "--rounds",
      defaultValue = "2",
      paramLabel = "N",
      description =
          "In-process: split each configuration's requests and time into N runs,"
              + " alternating batched and unbatched (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--seed",
      defaultValue = "42",
      paramLabel = "N",
      description = "Seed of the synthetic requests (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      paramLabel = "N",
      description =
          "Server: most requests per batch in the batched run (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--batch-documents",
      defaultValue = "512",
      paramLabel = "N",
      description = "Server: most documents per batch (default: ${DEFAULT-VALUE}).")
  int batchDocuments;

  @Option(
      names = "--max-batch-wait-ms",
      defaultValue = "5",
      paramLabel = "MS",
      description = "Server: batching wait (default: ${DEFAULT-VALUE}).")
  long maxBatchWaitMs;

  @Option(
      names = "--max-passage-tokens",
      defaultValue = "300",
      paramLabel = "N",
      description = "Passage tokens kept for scoring (default: ${DEFAULT-VALUE}).")
  int maxPassageTokens;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::bench);
  }

  private int bench() throws IOException, InterruptedException {
    Options options = new Options(clients, requests, Duration.ofSeconds(maxSeconds), token());
    if (url != null) LoadBenchmark.requireLoopback(url);
    if (rounds <= 0) throw new IllegalArgumentException("--rounds must be positive, got " + rounds);
    List<Item> items = LoadBenchmark.synthetic(distinct, documents, words, seed);
    PrintWriter out = spec.commandLine().getOut();
    RerankerFactory upr =
        RerankerFactory.builder()
            .optMaxPassageTokens(maxPassageTokens)
            .optBatchTokens(modelOptions.batchTokens())
            .optEngine(modelOptions.engineOptions())
            .build();
    try (Reranker reranker = upr.open(modelOptions.modelDir())) {
      out.printf(
          Locale.ROOT,
          "bench-serve: model %s, %d clients, up to %d requests or %d s per"
              + " configuration, %d documents of %d words per request, %d distinct requests%n",
          modelOptions.model(),
          clients,
          requests,
          maxSeconds,
          documents,
          words,
          distinct);
      long t0 = System.nanoTime();
      List<List<Scored>> expected = new ArrayList<>(items.size());
      for (Item item : items) expected.add(reranker.rerank(item.query(), item.passages(), 0));
      double offlineSeconds = (System.nanoTime() - t0) / 1e9;
      out.printf(
          Locale.ROOT,
          "offline Reranker.rerank: %d requests in %.2f s: %.1f req/s, %.1f docs/s"
              + " (one request at a time)%n",
          items.size(),
          offlineSeconds,
          items.size() / offlineSeconds,
          (double) items.size() * documents / offlineSeconds);
      out.flush();
      List<Report> reports = new ArrayList<>();
      if (url != null) {
        Report r = LoadBenchmark.run(url, items, expected, options);
        out.println("server at " + url + ": " + LoadBenchmark.describe(r));
        reports.add(r);
      } else {
        BatchPolicy batched =
            new BatchPolicy(batchSize, batchDocuments, maxBatchWaitMs, Math.max(256, 2 * clients));
        // rounds alternate the order (B U, U B, ...) so that drift in machine load cancels out
        Options round =
            new Options(
                clients,
                Math.max(1, requests / rounds),
                Duration.ofMillis(Math.max(1, maxSeconds * 1000L / rounds)),
                null);
        List<Report> batchedRuns = new ArrayList<>();
        List<Report> unbatchedRuns = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          for (boolean batchedFirst : new boolean[] {r % 2 == 0, r % 2 != 0}) {
            if (batchedFirst)
              batchedRuns.add(runInProcess(reranker, batched, items, expected, round));
            else
              unbatchedRuns.add(
                  runInProcess(reranker, batched.unbatched(), items, expected, round));
          }
        }
        Report b = Report.combine(batchedRuns);
        Report u = Report.combine(unbatchedRuns);
        out.printf(
            Locale.ROOT,
            "batched   (batch-size %d, wait %d ms): %s%n",
            batchSize,
            maxBatchWaitMs,
            LoadBenchmark.describe(b));
        out.printf(
            Locale.ROOT, "unbatched (batch-size 1):            %s%n", LoadBenchmark.describe(u));
        out.printf(
            Locale.ROOT,
            "batching speed-up: %.2fx req/s (batched / unbatched, same run)%n",
            b.requestsPerSecond() / u.requestsPerSecond());
        reports.add(b);
        reports.add(u);
      }
      int compared = reports.stream().mapToInt(Report::compared).sum();
      int mismatched = reports.stream().mapToInt(Report::mismatched).sum();
      double maxDiff = reports.stream().mapToDouble(Report::maxAbsDiff).max().orElse(0);
      out.printf(
          Locale.ROOT,
          "scores identical: %s (%d answers compared with offline Reranker.rerank,"
              + " %d differ, max |diff| %.3g)%n",
          compared > 0 && mismatched == 0 ? "yes" : "no",
          compared,
          mismatched,
          maxDiff);
      out.flush();
      return 0;
    }
  }

  private static Report runInProcess(
      Reranker reranker,
      BatchPolicy policy,
      List<Item> items,
      List<List<Scored>> expected,
      Options options)
      throws IOException, InterruptedException {
    RerankServer server =
        RerankServer.builder()
            .setReranker(reranker)
            .optPort(0)
            .optBatchPolicy(policy)
            .optCloseReranker(false)
            .build()
            .start();
    try {
      // warm-up, not measured: the first scoring calls of each batch shape are slow
      Options warmup =
          new Options(
              options.clients(),
              Math.min(options.maxRequests(), 2 * options.clients()),
              options.maxDuration(),
              null);
      LoadBenchmark.run(server.baseUri(), items, null, warmup);
      return LoadBenchmark.run(server.baseUri(), items, expected, options);
    } finally {
      server.stop(Duration.ofSeconds(30));
    }
  }

  private String token() {
    if (apiKeyEnv == null) return null;
    if (url == null) throw new IllegalArgumentException("--api-key-env only applies with --url");
    String value = System.getenv(apiKeyEnv);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--api-key-env " + apiKeyEnv + ": not set or empty");
    }
    return value.trim();
  }
}
