package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
  // Prometheus text format 0.0.4: name{label="value",...} number
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?"
              + " (NaN|[+-]Inf|-?[0-9.]+(?:[eE][+-]?[0-9]+)?)");
  private static final Pattern COMMENT =
      Pattern.compile(
          "# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
              + "(counter|gauge|histogram|summary|untyped))");

  /** Parses exposition text into "name{labels}" -> value, failing on any line off the grammar. */
  static Map<String, Double> parse(String text) {
    Map<String, Double> out = new HashMap<>();
    Set<String> typed = new HashSet<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) {
        assertTrue(COMMENT.matcher(line).matches(), "bad comment line: " + line);
        if (line.startsWith("# TYPE ")) assertTrue(typed.add(line.split(" ")[2]), "twice: " + line);
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertTrue(m.matches(), "bad sample line: " + line);
      String family = m.group(1).replaceAll("_(bucket|sum|count)$", "");
      assertTrue(typed.contains(family) || typed.contains(m.group(1)), "no TYPE for " + line);
      String value = m.group(3);
      double v =
          value.equals("+Inf")
              ? Double.POSITIVE_INFINITY
              : value.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(value);
      out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), v);
    }
    return out;
  }

  @Test
  void metricsEndpointParsesAndCounts() throws Exception {
    try (RerankServer s =
        RerankServer.builder().setReranker(new OverlapReranker()).optPort(0).build().start()) {
      for (int i = 0; i < 3; i++) {
        assertEquals(
            200,
            RerankServerTest.post(s, "/v1/rerank", RerankServerTest.rerankBody("doc", 4))
                .statusCode());
      }
      assertEquals(400, RerankServerTest.post(s, "/v1/rerank", "{").statusCode());
      assertEquals(404, RerankServerTest.get(s, "/nope").statusCode());
      HttpResponse<String> r = RerankServerTest.get(s, "/metrics");
      assertEquals(200, r.statusCode());
      assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      Map<String, Double> m = parse(r.body());
      assertEquals(3.0, m.get("qpeft_http_requests_total{endpoint=\"/v1/rerank\",status=\"200\"}"));
      assertEquals(1.0, m.get("qpeft_http_requests_total{endpoint=\"/v1/rerank\",status=\"400\"}"));
      assertEquals(1.0, m.get("qpeft_http_requests_total{endpoint=\"other\",status=\"404\"}"));
      assertEquals(1.0, m.get("qpeft_http_errors_total{endpoint=\"/v1/rerank\",kind=\"client\"}"));
      assertEquals(
          4.0, m.get("qpeft_http_request_duration_seconds_count{endpoint=\"/v1/rerank\"}"));
      assertEquals(
          4.0,
          m.get("qpeft_http_request_duration_seconds_bucket{endpoint=\"/v1/rerank\",le=\"+Inf\"}"));
      assertEquals(12.0, m.get("qpeft_documents_scored_total"));
      assertEquals(3.0, m.get("qpeft_batch_requests_count"));
      assertEquals(0.0, m.get("qpeft_queue_depth"));
      assertEquals(256.0, m.get("qpeft_queue_capacity"));
      double p50 = m.get("qpeft_rerank_latency_seconds{quantile=\"0.5\"}");
      double p99 = m.get("qpeft_rerank_latency_seconds{quantile=\"0.99\"}");
      assertTrue(p50 > 0 && p50 <= p99, p50 + " " + p99);
    }
  }

  @Test
  void quantilesAreNearestRankOverTheWindow() {
    ServerMetrics metrics = new ServerMetrics();
    assertTrue(Double.isNaN(metrics.rerankLatencyQuantile(0.5)));
    for (int ms = 1; ms <= 100; ms++) {
      metrics.recordRequest("/v1/rerank", 200, Duration.ofMillis(ms).toNanos());
    }
    metrics.recordRequest("/v1/rerank", 500, Duration.ofSeconds(9).toNanos()); // not a success
    assertEquals(0.050, metrics.rerankLatencyQuantile(0.5), 1e-9);
    assertEquals(0.090, metrics.rerankLatencyQuantile(0.9), 1e-9);
    assertEquals(0.099, metrics.rerankLatencyQuantile(0.99), 1e-9);
    for (int i = 0; i < ServerMetrics.WINDOW; i++) {
      metrics.recordRequest("/v1/rerank", 200, Duration.ofMillis(7).toNanos());
    }
    assertEquals(0.007, metrics.rerankLatencyQuantile(0.99), 1e-9); // old values slid out
  }
}
