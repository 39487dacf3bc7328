package io.qpeft.server;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Service metrics in the Prometheus text exposition format (version 0.0.4): request counts by
 * endpoint and status, errors, a latency histogram per endpoint, rerank latency quantiles over a
 * sliding window of the last {@value #WINDOW} requests, queue depth and batch sizes.
 *
 * <p>Counters are {@link LongAdder}s so that recording never blocks a request; the quantile window
 * takes a short lock.
 */
public final class ServerMetrics {
  static final int WINDOW = 2048;
  private static final double[] LATENCY_BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30
  };
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
  private final Histogram batchRequests = new Histogram(BATCH_BUCKETS);
  private final Histogram batchDocuments = new Histogram(BATCH_BUCKETS);
  private final LongAdder documentsScored = new LongAdder();
  private final LongAdder scoringFailures = new LongAdder();
  private final double[] window = new double[WINDOW];
  private long windowCount;
  private volatile IntSupplier queueDepth = () -> 0;
  private volatile int queueCapacity;

  void bindQueue(IntSupplier depth, int capacity) {
    this.queueDepth = depth;
    this.queueCapacity = capacity;
  }

  /** Records one answered request. {@code endpoint} must be one of a fixed set of labels. */
  void recordRequest(String endpoint, int status, long nanos) {
    requests.computeIfAbsent(endpoint + "\t" + status, k -> new LongAdder()).increment();
    if (status >= 400) {
      String kind = status >= 500 ? "server" : "client";
      errors.computeIfAbsent(endpoint + "\t" + kind, k -> new LongAdder()).increment();
    }
    double seconds = nanos / 1e9;
    latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BUCKETS)).observe(seconds);
    if ((endpoint.equals("/v1/rerank") || endpoint.equals("/rerank")) && status == 200) {
      synchronized (window) {
        window[(int) (windowCount++ % WINDOW)] = seconds;
      }
    }
  }

  void recordBatch(int requestCount, int documentCount) {
    batchRequests.observe(requestCount);
    batchDocuments.observe(documentCount);
    documentsScored.add(documentCount);
  }

  void recordScoringFailure() {
    scoringFailures.increment();
  }

  /** The {@code q}-quantile (nearest rank) of recent successful rerank latencies, in seconds. */
  double rerankLatencyQuantile(double q) {
    double[] copy;
    synchronized (window) {
      copy = Arrays.copyOf(window, (int) Math.min(windowCount, WINDOW));
    }
    if (copy.length == 0) return Double.NaN;
    Arrays.sort(copy);
    int rank = (int) Math.ceil(q * copy.length);
    return copy[Math.max(0, Math.min(copy.length - 1, rank - 1))];
  }

  /** All metrics as Prometheus text. */
  public String render() {
    StringBuilder out = new StringBuilder(4096);
    header(out, "qpeft_http_requests_total", "counter", "HTTP requests by endpoint and status.");
    for (var e : new TreeMap<>(requests).entrySet()) {
      String[] k = e.getKey().split("\t");
      sample(
          out,
          "qpeft_http_requests_total",
          labels("endpoint", k[0], "status", k[1]),
          e.getValue().sum());
    }
    header(
        out,
        "qpeft_http_errors_total",
        "counter",
        "HTTP answers with status >= 400, by endpoint and kind (client 4xx, server 5xx).");
    for (var e : new TreeMap<>(errors).entrySet()) {
      String[] k = e.getKey().split("\t");
      sample(
          out,
          "qpeft_http_errors_total",
          labels("endpoint", k[0], "kind", k[1]),
          e.getValue().sum());
    }
    header(
        out,
        "qpeft_scoring_failures_total",
        "counter",
        "Requests whose scoring threw an exception.");
    sample(out, "qpeft_scoring_failures_total", "", scoringFailures.sum());
    header(
        out,
        "qpeft_http_request_duration_seconds",
        "histogram",
        "Time from request received to response written, by endpoint.");
    for (var e : new TreeMap<>(latency).entrySet()) {
      e.getValue().render(out, "qpeft_http_request_duration_seconds", "endpoint", e.getKey());
    }
    header(
        out,
        "qpeft_rerank_latency_seconds",
        "summary",
        "Latency of successful rerank requests over the last " + WINDOW + " of them.");
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      sample(
          out,
          "qpeft_rerank_latency_seconds",
          labels("quantile", Double.toString(q)),
          rerankLatencyQuantile(q));
    }
    header(out, "qpeft_queue_depth", "gauge", "Rerank requests waiting for the scheduler.");
    sample(out, "qpeft_queue_depth", "", queueDepth.getAsInt());
    header(out, "qpeft_queue_capacity", "gauge", "Queue size beyond which requests get 503.");
    sample(out, "qpeft_queue_capacity", "", queueCapacity);
    header(out, "qpeft_batch_requests", "histogram", "Requests merged into one scoring call.");
    batchRequests.render(out, "qpeft_batch_requests", null, null);
    header(out, "qpeft_batch_documents", "histogram", "Documents scored in one scoring call.");
    batchDocuments.render(out, "qpeft_batch_documents", null, null);
    header(out, "qpeft_documents_scored_total", "counter", "Documents scored.");
    sample(out, "qpeft_documents_scored_total", "", documentsScored.sum());
    return out.toString();
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String name, String labels, double value) {
    out.append(name).append(labels).append(' ').append(format(value)).append('\n');
  }

  static String labels(String... kv) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < kv.length; i += 2) {
      if (i > 0) b.append(',');
      b.append(kv[i]).append("=\"").append(escape(kv[i + 1])).append('"');
    }
    return b.append('}').toString();
  }

  private static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String format(double v) {
    if (Double.isNaN(v)) return "NaN";
    if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return String.format(Locale.ROOT, "%.6g", v);
  }

  /** A cumulative Prometheus histogram with fixed upper bounds. */
  private static final class Histogram {
    private final double[] bounds;
    private final AtomicLongArray counts; // non-cumulative; the last slot is +Inf
    private final java.util.concurrent.atomic.DoubleAdder sum =
        new java.util.concurrent.atomic.DoubleAdder();

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new AtomicLongArray(bounds.length + 1);
    }

    void observe(double v) {
      int i = 0;
      while (i < bounds.length && v > bounds[i]) i++;
      counts.incrementAndGet(i);
      sum.add(v);
    }

    void render(StringBuilder out, String name, String labelName, String labelValue) {
      long cumulative = 0;
      for (int i = 0; i <= bounds.length; i++) {
        cumulative += counts.get(i);
        String le = i < bounds.length ? format(bounds[i]) : "+Inf";
        String l = labelName == null ? labels("le", le) : labels(labelName, labelValue, "le", le);
        sample(out, name + "_bucket", l, cumulative);
      }
      String l = labelName == null ? "" : labels(labelName, labelValue);
      sample(out, name + "_sum", l, sum.sum());
      sample(out, name + "_count", l, cumulative); // equals the +Inf bucket
    }
  }
}
