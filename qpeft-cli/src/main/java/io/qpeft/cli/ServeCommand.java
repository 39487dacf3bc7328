package io.qpeft.cli;

import io.qpeft.model.TransformerLm;
import io.qpeft.rerank.ClosingReranker;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.server.BatchPolicy;
import io.qpeft.server.Limits;
import io.qpeft.server.RerankServer;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft serve}: the HTTP reranking service ({@link RerankServer}) over any reranking method
 * ({@link MethodOptions}). Runs until SIGTERM/SIGINT, then stops gracefully: new requests get 503,
 * requests in flight finish.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve POST /v1/rerank (Cohere/Jina-compatible), GET /healthz, /v1/models, /openapi.json"
          + " and /metrics (Prometheus) over HTTP.",
      "Scores are the --method's (default: UPR query log-likelihood, or the model's own method when"
          + " it is a known reranker); concurrent requests are batched dynamically."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ModelOptions modelOptions;

  @Mixin MethodOptions methodOptions;

  @Option(
      names = "--model-id",
      paramLabel = "ID",
      description = "Model id shown by /v1/models and in answers (default: the --model value).")
  String modelId;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      paramLabel = "HOST",
      description = "Address to bind (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for all).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "8080",
      paramLabel = "PORT",
      description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @ArgGroup(exclusive = true)
  TokenSource token;

  static final class TokenSource {
    @Option(
        names = "--api-key-env",
        paramLabel = "VAR",
        description =
            "Require 'Authorization: Bearer <token>', the token read from environment variable VAR.")
    String env;

    @Option(
        names = "--token-file",
        paramLabel = "FILE",
        description =
            "Require 'Authorization: Bearer <token>', the token read from the first line of FILE.")
    Path file;
  }

  @Option(
      names = "--max-documents",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Most documents per request; more answers 413 (default: ${DEFAULT-VALUE}).")
  int maxDocuments;

  @Option(
      names = "--max-document-chars",
      defaultValue = "100000",
      paramLabel = "N",
      description =
          "Most characters per document, title included; more answers 413 (default: ${DEFAULT-VALUE}).")
  int maxDocumentChars;

  @Option(
      names = "--max-document-tokens",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Most tokens per document, title included; more answers 413 (default: ${DEFAULT-VALUE} = off;"
              + " passages are truncated to --max-passage-tokens for scoring anyway).")
  int maxDocumentTokens;

  @Option(
      names = "--max-body-bytes",
      defaultValue = "8388608",
      paramLabel = "N",
      description = "Largest request body; more answers 413 (default: ${DEFAULT-VALUE}).")
  long maxBodyBytes;

  @Option(
      names = "--queue",
      defaultValue = "256",
      paramLabel = "N",
      description =
          "Requests waiting to be scored before new ones answer 503 + Retry-After (default: ${DEFAULT-VALUE}).")
  int queue;

  @Option(
      names = "--max-batch-wait-ms",
      defaultValue = "5",
      paramLabel = "MS",
      description =
          "How long the scheduler waits for more requests to batch (default: ${DEFAULT-VALUE}).")
  long maxBatchWaitMs;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      paramLabel = "N",
      description =
          "Most requests scored in one batch; 1 disables batching (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--batch-documents",
      defaultValue = "512",
      paramLabel = "N",
      description = "Most documents scored in one batch (default: ${DEFAULT-VALUE}).")
  int batchDocuments;

  @Option(
      names = "--shutdown-grace-seconds",
      defaultValue = "30",
      paramLabel = "S",
      description =
          "On SIGTERM, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
  int graceSeconds;

  /** Tests get the started server here, to send requests and stop it. */
  Consumer<RerankServer> onStarted = s -> {};

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::serve);
  }

  private int serve() throws IOException, InterruptedException {
    Limits limits = new Limits(maxBodyBytes, maxDocuments, maxDocumentChars, maxDocumentTokens);
    BatchPolicy policy = new BatchPolicy(batchSize, batchDocuments, maxBatchWaitMs, queue);
    String bearer = bearerToken();
    Path dir = modelOptions.modelDir();
    RerankerFactory factory =
        methodOptions.factory(
            spec.qualifiedName(),
            modelOptions.model,
            dir,
            modelOptions.batchTokens(),
            spec.commandLine().getErr());
    TransformerLm lm = modelOptions.load(dir);
    TextTokenizer tokenizer; // also counts tokens for --max-document-tokens
    Reranker reranker;
    try {
      tokenizer = TextTokenizer.load(dir);
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
    try {
      // closing the served reranker closes the tokenizer and the model after it
      reranker = new ClosingReranker(factory.create(lm, tokenizer, dir), tokenizer, lm);
    } catch (RuntimeException e) {
      tokenizer.close();
      lm.close();
      throw e;
    }
    RerankServer server;
    try {
      server =
          RerankServer.builder()
              .setReranker(reranker)
              .optModelId(modelId != null ? modelId : modelOptions.model)
              .optHost(host)
              .optPort(port)
              .optLimits(limits)
              .optBatchPolicy(policy)
              .optBearerToken(bearer)
              .optTokenCounter(text -> tokenizer.encode(text).length)
              .build()
              .start();
    } catch (IOException | RuntimeException e) {
      reranker.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              server.stop(Duration.ofSeconds(graceSeconds));
              stopped.countDown();
            },
            "qpeft-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "qpeft serve: serving "
            + (modelId != null ? modelId : modelOptions.model)
            + " on "
            + server.baseUri()
            + " (POST /v1/rerank; Ctrl-C or SIGTERM stops)");
    if (!InetAddress.getByName(host).isLoopbackAddress() && bearer == null) {
      spec.commandLine()
          .getErr()
          .println(
              "qpeft serve: warning: listening on "
                  + host
                  + " without a token; anyone who can reach it can use it (--api-key-env or --token-file)");
    }
    out.flush();
    onStarted.accept(server);
    server.awaitStop();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      stopped.await(); // the hook is stopping the server; let it finish
    }
    return 0;
  }

  private String bearerToken() throws IOException {
    if (token == null) return null;
    if (token.env != null) {
      String value = System.getenv(token.env);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(
            "--api-key-env " + token.env + ": the environment variable is not set or empty");
      }
      return value.trim();
    }
    if (!Files.isRegularFile(token.file)) {
      throw new IllegalArgumentException("--token-file " + token.file + ": no such file");
    }
    String first =
        Files.readAllLines(token.file, StandardCharsets.UTF_8).stream()
            .findFirst()
            .orElse("")
            .trim();
    if (first.isEmpty()) {
      throw new IllegalArgumentException(
          "--token-file " + token.file + ": the first line is empty");
    }
    return first;
  }
}
