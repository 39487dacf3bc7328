package io.qpeft.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The qpeft HTTP reranking service, on the JDK's {@code com.sun.net.httpserver}.
 *
 * <ul>
 *   <li>{@code POST /v1/rerank}: Cohere/Jina-compatible reranking (see {@link RerankRequest}).
 *   <li>{@code POST /rerank}: the same in the text-embeddings-inference shape.
 *   <li>{@code GET /healthz}, {@code GET /v1/models}, {@code GET /openapi.json}, {@code GET
 *       /metrics} (Prometheus text).
 * </ul>
 *
 * <p>Rerank requests are parsed on a small pool of HTTP threads, then scored by the {@link
 * BatchScheduler}; the HTTP thread is released while the request waits, and the answer is written
 * when its batch completes. {@link #stop} refuses new requests, lets the ones in flight finish,
 * then closes the reranker if the server owns it. Binds to 127.0.0.1 unless told otherwise.
 */
public final class RerankServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RerankServer.class);
  static final String RERANK = "/v1/rerank";
  static final String TEI_RERANK = "/rerank";
  private static final Map<String, Set<String>> ROUTES =
      Map.of(
          RERANK,
          Set.of("POST"),
          TEI_RERANK,
          Set.of("POST"),
          "/healthz",
          Set.of("GET"),
          "/v1/models",
          Set.of("GET"),
          "/openapi.json",
          Set.of("GET"),
          "/metrics",
          Set.of("GET"));

  private final Reranker reranker;
  private final String modelId;
  private final String host;
  private final int requestedPort;
  private final Limits limits;
  private final BatchPolicy policy;
  private final BearerAuth auth;
  private final ToIntFunction<String> tokenCounter;
  private final int handlerThreads;
  private final boolean closeReranker;
  private final ObjectMapper mapper = new ObjectMapper();
  private final ServerMetrics metrics = new ServerMetrics();
  private final ResponseBodies bodies;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong queryIds = new AtomicLong();
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
  private volatile boolean stopping;
  private HttpServer http;
  private ExecutorService executor;
  private BatchScheduler scheduler;
  private boolean stopped;
  private final CountDownLatch terminated = new CountDownLatch(1);

  private RerankServer(Builder b) {
    this.reranker = Objects.requireNonNull(b.reranker, "reranker must be set");
    this.modelId = b.modelId;
    this.host = b.host;
    this.requestedPort = b.port;
    this.limits = b.limits;
    this.policy = b.policy;
    this.auth = b.token == null ? null : new BearerAuth(b.token);
    this.tokenCounter = b.tokenCounter;
    this.handlerThreads = b.handlerThreads;
    this.closeReranker = b.closeReranker;
    this.bodies = new ResponseBodies(mapper, modelId);
    if (limits.maxDocumentTokens() > 0 && tokenCounter == null) {
      throw new IllegalArgumentException("--max-document-tokens needs a tokenizer to count tokens");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds the port and starts serving. */
  public synchronized RerankServer start() throws IOException {
    if (http != null) throw new IllegalStateException("server already started");
    scheduler = new BatchScheduler(reranker, policy, metrics);
    AtomicInteger threadIds = new AtomicInteger();
    executor =
        new ThreadPoolExecutor(
            handlerThreads,
            handlerThreads,
            0,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "qpeft-http-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    http = HttpServer.create(new InetSocketAddress(host, requestedPort), 256);
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    scheduler.start();
    http.start();
    LOG.info("serving model {} on {}", modelId, baseUri());
    return this;
  }

  /** The bound address (the real port when started with port 0). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  public URI baseUri() {
    InetSocketAddress a = address();
    String h = a.getAddress().getHostAddress();
    if (h.contains(":")) h = "[" + h + "]";
    return URI.create("http://" + h + ":" + a.getPort());
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /** Rerank requests waiting to be scored. */
  public int queueDepth() {
    return scheduler.queueDepth();
  }

  /**
   * Graceful shutdown: new requests are answered 503, requests in flight (queued or being scored)
   * get their answers, for at most {@code grace}; then the port is closed and, if the server owns
   * it, the reranker is closed. Idempotent.
   */
  public synchronized void stop(Duration grace) {
    if (stopped || http == null) return;
    stopped = true;
    stopping = true;
    scheduler.stopAccepting();
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      synchronized (inFlight) {
        while (inFlight.get() > 0) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left <= 0) break;
          inFlight.wait(left);
        }
      }
      if (inFlight.get() > 0) LOG.warn("{} requests still in flight at shutdown", inFlight.get());
      // JDK 17's HttpServer.stop(n) waits the full n seconds when idle, so we drained above.
      http.stop(0);
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (!scheduler.awaitTermination(Math.max(left, 1000))) {
        LOG.warn("scheduler still scoring at shutdown");
      }
      executor.shutdown();
      executor.awaitTermination(Math.max(left, 1000), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        if (closeReranker) reranker.close();
      } finally {
        terminated.countDown();
        LOG.info("server stopped");
      }
    }
  }

  /** Blocks until {@link #stop} has finished (from any thread, e.g. a shutdown hook). */
  public void awaitStop() throws InterruptedException {
    terminated.await();
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }

  // ---- request handling ----

  private void handle(HttpExchange ex) {
    long start = System.nanoTime();
    inFlight.incrementAndGet();
    String path = ex.getRequestURI().getPath();
    String endpoint = ROUTES.containsKey(path) ? path : "other";
    try {
      if (stopping) throw ApiException.unavailable("server is shutting down", 5);
      Set<String> methods = ROUTES.get(path);
      if (methods == null) {
        throw new ApiException(
            404,
            "not_found",
            "no such endpoint: "
                + path
                + "; endpoints: "
                + ROUTES.keySet().stream().sorted().toList(),
            null,
            null,
            null,
            Map.of());
      }
      if (!methods.contains(ex.getRequestMethod())) {
        throw new ApiException(
            405,
            "method_not_allowed",
            ex.getRequestMethod()
                + " "
                + path
                + " is not allowed; use "
                + String.join(", ", methods),
            null,
            null,
            null,
            Map.of("Allow", String.join(", ", methods)));
      }
      if (auth != null
          && !path.equals("/healthz")
          && !auth.accepts(ex.getRequestHeaders().getFirst("Authorization"))) {
        throw new ApiException(
            401,
            "unauthorized",
            "missing or wrong bearer token (header 'Authorization: Bearer <token>')",
            null,
            null,
            null,
            Map.of("WWW-Authenticate", "Bearer"));
      }
      switch (path) {
        case RERANK -> rerank(ex, endpoint, start, RerankRequest.Shape.COHERE);
        case TEI_RERANK -> rerank(ex, endpoint, start, RerankRequest.Shape.TEI);
        case "/healthz" -> sendJson(ex, endpoint, start, 200, health());
        case "/v1/models" -> sendJson(ex, endpoint, start, 200, bodies.models(createdEpochSeconds));
        case "/openapi.json" -> send(ex, endpoint, start, 200, "application/json", openApi());
        case "/metrics" ->
            send(
                ex,
                endpoint,
                start,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics.render().getBytes(StandardCharsets.UTF_8));
        default -> throw new IllegalStateException("unrouted " + path);
      }
    } catch (ApiException e) {
      sendError(ex, endpoint, start, e);
    } catch (RuntimeException e) {
      LOG.error("internal error on {} {}", ex.getRequestMethod(), path, e);
      sendError(ex, endpoint, start, internalError());
    }
  }

  private void rerank(HttpExchange ex, String endpoint, long start, RerankRequest.Shape shape) {
    RerankRequest request = RerankRequest.parse(mapper, readBody(ex), limits, tokenCounter, shape);
    if (request.model() != null && !request.model().equals(modelId)) {
      LOG.debug("request names model {}, serving {}", request.model(), modelId);
    }
    if (request.passages().isEmpty()) {
      sendJson(
          ex,
          endpoint,
          start,
          200,
          shape == RerankRequest.Shape.TEI
              ? mapper.createArrayNode()
              : bodies.rerank(request, List.of(), null));
      return;
    }
    Query query = new Query("q" + queryIds.incrementAndGet(), request.query());
    scheduler
        .submit(query, request.passages())
        .whenCompleteAsync(
            (result, error) -> answer(ex, endpoint, start, shape, request, result, error),
            executor);
  }

  private void answer(
      HttpExchange ex,
      String endpoint,
      long start,
      RerankRequest.Shape shape,
      RerankRequest request,
      BatchScheduler.Result result,
      Throwable error) {
    try {
      if (error == null) {
        List<Scored> ranked =
            Reranker.sortScores(request.passages(), result.scores(), request.topN());
        sendJson(
            ex,
            endpoint,
            start,
            200,
            shape == RerankRequest.Shape.TEI
                ? bodies.tei(request, ranked)
                : bodies.rerank(request, ranked, result));
        return;
      }
      Throwable cause = error instanceof CompletionException ? error.getCause() : error;
      if (cause instanceof IllegalArgumentException) {
        sendError(
            ex,
            endpoint,
            start,
            ApiException.badRequest(null, "cannot score request: " + cause.getMessage()));
      } else {
        LOG.error("scoring failed", cause);
        sendError(ex, endpoint, start, internalError());
      }
    } catch (RuntimeException e) {
      LOG.error("cannot answer a rerank request", e);
      sendError(ex, endpoint, start, internalError());
    }
  }

  private ObjectNode health() {
    ObjectNode n = mapper.createObjectNode();
    n.put("status", "ok");
    n.put("model", modelId);
    n.put("queue_depth", scheduler.queueDepth());
    return n;
  }

  private byte[] openApi() {
    try (InputStream in = RerankServer.class.getResourceAsStream("openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json resource missing");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the body, refusing more than {@code maxBodyBytes} (413) before and while reading. */
  private byte[] readBody(HttpExchange ex) {
    long max = limits.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(null, "bad Content-Length header: " + declared);
      }
      if (length > max) throw bodyTooLarge(max, length);
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (body.length > max) throw bodyTooLarge(max, body.length);
      return body;
    } catch (IOException e) {
      throw ApiException.badRequest(null, "cannot read request body: " + e.getMessage());
    }
  }

  private static ApiException bodyTooLarge(long max, long length) {
    return ApiException.tooLarge(
        "body",
        "request body of "
            + length
            + " bytes"
            + (length == max + 1 ? " or more" : "")
            + " is over the limit (--max-body-bytes) of "
            + max
            + " bytes",
        max,
        length);
  }

  private static ApiException internalError() {
    return new ApiException(
        500,
        "internal_error",
        "internal error while scoring; see server log",
        null,
        null,
        null,
        Map.of());
  }

  private void sendError(HttpExchange ex, String endpoint, long start, ApiException e) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("status", e.status);
    err.put("type", e.type);
    err.put("message", e.getMessage());
    if (e.field != null) err.put("field", e.field);
    if (e.limit != null) err.put("limit", e.limit);
    if (e.value != null) err.put("value", e.value);
    e.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    sendJson(ex, endpoint, start, e.status, root);
  }

  private void sendJson(HttpExchange ex, String endpoint, long start, int status, JsonNode body) {
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    send(ex, endpoint, start, status, "application/json", bytes);
  }

  /** Writes the answer, records its metrics and releases the in-flight slot. */
  private void send(
      HttpExchange ex, String endpoint, long start, int status, String type, byte[] body) {
    try {
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
    } catch (IOException e) {
      LOG.debug("client went away before the answer was written: {}", e.toString());
    } finally {
      ex.close();
      metrics.recordRequest(endpoint, status, System.nanoTime() - start);
      if (inFlight.decrementAndGet() == 0) {
        synchronized (inFlight) {
          inFlight.notifyAll();
        }
      }
    }
  }

  /** Builder: {@link #setReranker} is required; everything else has a default. */
  public static final class Builder {
    private Reranker reranker;
    private String modelId = "qpeft";
    private String host = "127.0.0.1";
    private int port = 8080;
    private Limits limits = Limits.DEFAULT;
    private BatchPolicy policy = BatchPolicy.DEFAULT;
    private String token;
    private ToIntFunction<String> tokenCounter;
    private int handlerThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private boolean closeReranker = true;

    private Builder() {}

    /** The reranker to serve; the server closes it on {@link #stop} unless told otherwise. */
    public Builder setReranker(Reranker reranker) {
      this.reranker = reranker;
      return this;
    }

    /** The model id shown by {@code /v1/models} and in answers. */
    public Builder optModelId(String modelId) {
      this.modelId = Objects.requireNonNull(modelId, "modelId");
      return this;
    }

    /** Address to bind; 127.0.0.1 by default (loopback only). */
    public Builder optHost(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Port to bind; 0 picks a free one. */
    public Builder optPort(int port) {
      Limits.require(port >= 0 && port <= 65535, "--port must be in 0..65535, got " + port);
      this.port = port;
      return this;
    }

    public Builder optLimits(Limits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    public Builder optBatchPolicy(BatchPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Requires {@code Authorization: Bearer <token>} on every endpoint except /healthz. */
    public Builder optBearerToken(String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("the bearer token must not be blank");
      }
      this.token = token;
      return this;
    }

    /** Counts a document's tokens, for {@link Limits#maxDocumentTokens()}. */
    public Builder optTokenCounter(ToIntFunction<String> tokenCounter) {
      this.tokenCounter = tokenCounter;
      return this;
    }

    public Builder optHandlerThreads(int threads) {
      Limits.require(threads > 0, "handler threads must be positive, got " + threads);
      this.handlerThreads = threads;
      return this;
    }

    /** Whether {@link #stop} closes the reranker (true by default). */
    public Builder optCloseReranker(boolean close) {
      this.closeReranker = close;
      return this;
    }

    public RerankServer build() {
      return new RerankServer(this);
    }
  }
}
