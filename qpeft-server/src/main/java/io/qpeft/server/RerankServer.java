package io.qpeft.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.qpeft.rerank.Reranker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>This class holds the lifecycle and the dispatch; {@link Routes} checks paths, methods and the
 * bearer token, {@link RerankEndpoint} the rerank requests, {@link RequestBody} reads bodies,
 * {@link ResponseWriter} writes every answer (bodies from {@link ResponseBodies}), and {@link
 * InFlight} counts the requests a graceful stop waits for.
 */
public final class RerankServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RerankServer.class);

  private final Reranker reranker;
  private final String modelId;
  private final String host;
  private final int requestedPort;
  private final Limits limits;
  private final BatchPolicy policy;
  private final Routes routes;
  private final ToIntFunction<String> tokenCounter;
  private final int handlerThreads;
  private final boolean closeReranker;
  private final ObjectMapper mapper = new ObjectMapper();
  private final ServerMetrics metrics = new ServerMetrics();
  private final ResponseBodies bodies;
  private final InFlight inFlight = new InFlight();
  private final ResponseWriter writer;
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
  private volatile boolean stopping;
  private HttpServer http;
  private ExecutorService executor;
  private BatchScheduler scheduler;
  private RerankEndpoint rerank;
  private boolean stopped;
  private final CountDownLatch terminated = new CountDownLatch(1);

  private RerankServer(Builder b) {
    this.reranker = Objects.requireNonNull(b.reranker, "reranker must be set");
    this.modelId = b.modelId;
    this.host = b.host;
    this.requestedPort = b.port;
    this.limits = b.limits;
    this.policy = b.policy;
    this.routes = new Routes(b.token == null ? null : new BearerAuth(b.token));
    this.tokenCounter = b.tokenCounter;
    this.handlerThreads = b.handlerThreads;
    this.closeReranker = b.closeReranker;
    this.bodies = new ResponseBodies(mapper, modelId);
    this.writer = new ResponseWriter(mapper, bodies, metrics, inFlight);
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
    rerank = new RerankEndpoint(writer, scheduler, executor, limits, tokenCounter, modelId);
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
      inFlight.awaitNone(deadline);
      int left = inFlight.count();
      if (left > 0) LOG.warn("{} requests still in flight at shutdown", left);
      // JDK 17's HttpServer.stop(n) waits the full n seconds when idle, so we drained above.
      http.stop(0);
      long millis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (!scheduler.awaitTermination(Math.max(millis, 1000))) {
        LOG.warn("scheduler still scoring at shutdown");
      }
      executor.shutdown();
      executor.awaitTermination(Math.max(millis, 1000), TimeUnit.MILLISECONDS);
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

  // ---- request handling: routing here, the rest in Routes, RerankEndpoint, ResponseWriter ----

  private void handle(HttpExchange ex) {
    inFlight.enter();
    String path = ex.getRequestURI().getPath();
    ResponseWriter.Call call =
        new ResponseWriter.Call(ex, Routes.endpoint(path), System.nanoTime());
    try {
      if (stopping) throw ApiException.unavailable("server is shutting down", 5);
      routes.check(path, ex.getRequestMethod(), ex.getRequestHeaders().getFirst("Authorization"));
      switch (path) {
        case Routes.RERANK -> rerank.handle(call, RerankRequest.Shape.COHERE);
        case Routes.TEI_RERANK -> rerank.handle(call, RerankRequest.Shape.TEI);
        case Routes.HEALTH -> writer.json(call, 200, bodies.health(scheduler.queueDepth()));
        case Routes.MODELS -> writer.json(call, 200, bodies.models(createdEpochSeconds));
        case Routes.OPENAPI -> writer.send(call, 200, "application/json", openApi());
        case Routes.METRICS ->
            writer.send(
                call,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics.render().getBytes(StandardCharsets.UTF_8));
        default -> throw new IllegalStateException("unrouted " + path);
      }
    } catch (ApiException e) {
      writer.error(call, e);
    } catch (RuntimeException e) {
      LOG.error("internal error on {} {}", ex.getRequestMethod(), path, e);
      writer.error(call, ApiException.internal());
    }
  }

  private static byte[] openApi() {
    try (InputStream in = RerankServer.class.getResourceAsStream("openapi.json")) {
      if (in == null) throw new IllegalStateException("openapi.json resource missing");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
