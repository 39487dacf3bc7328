package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RerankServerTest {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static OverlapReranker reranker;
  static RerankServer server;

  @BeforeAll
  static void startShared() throws IOException {
    reranker = new OverlapReranker();
    server =
        RerankServer.builder()
            .setReranker(reranker)
            .optModelId("tiny")
            .optPort(0)
            .optLimits(new Limits(2000, 4, 100, 0))
            .optBatchPolicy(new BatchPolicy(8, 64, 1, 16))
            .build()
            .start();
  }

  @AfterAll
  static void stopShared() {
    server.stop(Duration.ofSeconds(5));
  }

  static HttpResponse<String> post(RerankServer s, String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(s.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) b.headers(headers);
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(RerankServer s, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(s.baseUri().resolve(path)).GET();
    if (headers.length > 0) b.headers(headers);
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode json(HttpResponse<String> r) throws IOException {
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    return MAPPER.readTree(r.body());
  }

  static String rerankBody(String query, int documents) {
    StringBuilder b = new StringBuilder("{\"query\":\"" + query + "\",\"documents\":[");
    for (int i = 0; i < documents; i++)
      b.append(i == 0 ? "" : ",").append("\"doc ").append(i).append('"');
    return b.append("]}").toString();
  }

  @Test
  void rerankSortsByScoreWithStableTies() throws Exception {
    HttpResponse<String> r =
        post(
            server,
            "/v1/rerank",
            "{\"model\":\"tiny\",\"query\":\"capital of France\",\"documents\":["
                + "\"cats\",\"France\",{\"text\":\"capital city\",\"title\":\"France\"},\"dogs\"]}");
    assertEquals(200, r.statusCode());
    JsonNode body = json(r);
    assertEquals("tiny", body.get("model").asText());
    assertNotNull(body.get("id").asText());
    JsonNode results = body.get("results");
    assertEquals(4, results.size());
    int[] order = new int[4];
    for (int i = 0; i < 4; i++) order[i] = results.get(i).get("index").asInt();
    // scores: 0, 1, 2, 0 -> 2, 1, then the tie 0 before 3
    assertEquals(List.of(2, 1, 0, 3), List.of(order[0], order[1], order[2], order[3]));
    assertEquals(2.0, results.get(0).get("relevance_score").asDouble());
    assertEquals(0.0, results.get(3).get("relevance_score").asDouble());
    assertFalse(results.get(0).has("document"));
    assertEquals(4, body.get("meta").get("documents").asInt());
  }

  @Test
  void topNAndReturnDocuments() throws Exception {
    HttpResponse<String> r =
        post(
            server,
            "/v1/rerank",
            "{\"query\":\"red apple\",\"documents\":[\"green\",\"red apple\",{\"text\":\"apple\","
                + "\"title\":\"fruit\"}],\"top_n\":2,\"return_documents\":true}");
    JsonNode results = json(r).get("results");
    assertEquals(2, results.size());
    assertEquals(1, results.get(0).get("index").asInt());
    assertEquals("red apple", results.get(0).get("document").get("text").asText());
    assertFalse(results.get(0).get("document").has("title"));
    assertEquals(2, results.get(1).get("index").asInt());
    assertEquals("apple", results.get(1).get("document").get("text").asText());
    assertEquals("fruit", results.get(1).get("document").get("title").asText());
    // top_n larger than the list returns everything; an empty list answers empty results
    assertEquals(
        3,
        json(post(
                server,
                "/v1/rerank",
                "{\"query\":\"a\",\"documents\":[\"a\",\"b\",\"c\"],\"top_n\":10}"))
            .get("results")
            .size());
    assertEquals(
        0,
        json(post(server, "/v1/rerank", "{\"query\":\"a\",\"documents\":[]}"))
            .get("results")
            .size());
  }

  @Test
  void textEmbeddingsInferenceShape() throws Exception {
    HttpResponse<String> r =
        post(
            server,
            "/rerank",
            "{\"query\":\"red apple\",\"texts\":[\"green\",\"red apple\",\"apple\"],"
                + "\"return_text\":true,\"raw_scores\":false}");
    assertEquals(200, r.statusCode());
    JsonNode results = json(r);
    assertTrue(results.isArray());
    assertEquals(
        List.of(1, 2, 0),
        List.of(
            results.get(0).get("index").asInt(),
            results.get(1).get("index").asInt(),
            results.get(2).get("index").asInt()));
    assertEquals(2.0, results.get(0).get("score").asDouble());
    assertEquals("red apple", results.get(0).get("text").asText());
    HttpResponse<String> bad = post(server, "/rerank", "{\"query\":\"q\",\"documents\":[\"a\"]}");
    assertEquals(400, bad.statusCode());
    assertEquals("texts", json(bad).get("error").get("field").asText());
  }

  @Test
  void errorsAnswerJsonNamingTheField() throws Exception {
    HttpResponse<String> malformed = post(server, "/v1/rerank", "{\"query\":");
    assertEquals(400, malformed.statusCode());
    JsonNode err = json(malformed).get("error");
    assertEquals(400, err.get("status").asInt());
    assertEquals("invalid_request", err.get("type").asText());
    assertTrue(err.get("message").asText().startsWith("malformed JSON"));

    JsonNode missing = json(post(server, "/v1/rerank", "{\"documents\":[\"a\"]}")).get("error");
    assertEquals("query", missing.get("field").asText());
    HttpResponse<String> wrongType =
        post(server, "/v1/rerank", "{\"query\":\"q\",\"documents\":[\"a\",{\"text\":7}]}");
    assertEquals(400, wrongType.statusCode());
    assertEquals("documents[1].text", json(wrongType).get("error").get("field").asText());
  }

  @Test
  void limitsAnswer413() throws Exception {
    HttpResponse<String> many = post(server, "/v1/rerank", rerankBody("q", 5));
    assertEquals(413, many.statusCode());
    JsonNode err = json(many).get("error");
    assertEquals("documents", err.get("field").asText());
    assertEquals(4, err.get("limit").asInt());
    assertEquals(5, err.get("value").asInt());

    String big = "{\"query\":\"q\",\"documents\":[\"" + "x".repeat(3000) + "\"]}";
    HttpResponse<String> body = post(server, "/v1/rerank", big);
    assertEquals(413, body.statusCode());
    err = json(body).get("error");
    assertEquals("body", err.get("field").asText());
    assertEquals(2000, err.get("limit").asInt());
    assertEquals(big.length(), err.get("value").asInt());

    HttpResponse<String> longDoc =
        post(server, "/v1/rerank", "{\"query\":\"q\",\"documents\":[\"" + "y".repeat(101) + "\"]}");
    assertEquals(413, longDoc.statusCode());
    assertEquals("documents[0]", json(longDoc).get("error").get("field").asText());
  }

  @Test
  void unknownPathIs404AndWrongMethodIs405() throws Exception {
    HttpResponse<String> notFound = get(server, "/v2/nothing");
    assertEquals(404, notFound.statusCode());
    assertEquals("not_found", json(notFound).get("error").get("type").asText());
    HttpResponse<String> wrongMethod = get(server, "/v1/rerank");
    assertEquals(405, wrongMethod.statusCode());
    assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    assertEquals(405, post(server, "/healthz", "{}").statusCode());
  }

  @Test
  void healthModelsAndOpenApi() throws Exception {
    JsonNode health = json(get(server, "/healthz"));
    assertEquals("ok", health.get("status").asText());
    JsonNode models = json(get(server, "/v1/models"));
    assertEquals("list", models.get("object").asText());
    assertEquals("tiny", models.get("data").get(0).get("id").asText());
    JsonNode api = json(get(server, "/openapi.json"));
    assertTrue(api.get("openapi").asText().startsWith("3."));
    assertTrue(api.get("paths").has("/v1/rerank"));
  }

  @Test
  void bindsToLoopbackByDefault() throws Exception {
    try (RerankServer s =
        RerankServer.builder().setReranker(new OverlapReranker()).optPort(0).build().start()) {
      assertEquals("127.0.0.1", s.address().getAddress().getHostAddress());
      assertEquals(200, get(s, "/healthz").statusCode());
    }
  }

  @Test
  void bearerTokenIsRequiredExceptForHealth() throws Exception {
    try (RerankServer s =
        RerankServer.builder()
            .setReranker(new OverlapReranker())
            .optPort(0)
            .optBearerToken("s3cret")
            .build()
            .start()) {
      HttpResponse<String> none = post(s, "/v1/rerank", rerankBody("q", 1));
      assertEquals(401, none.statusCode());
      assertEquals("Bearer", none.headers().firstValue("WWW-Authenticate").orElse(""));
      assertEquals("unauthorized", json(none).get("error").get("type").asText());
      assertEquals(
          401,
          post(s, "/v1/rerank", rerankBody("q", 1), "Authorization", "Bearer s3cret!")
              .statusCode());
      assertEquals(401, get(s, "/metrics").statusCode());
      assertEquals(
          200,
          post(s, "/v1/rerank", rerankBody("q", 1), "Authorization", "Bearer s3cret").statusCode());
      assertEquals(200, get(s, "/healthz").statusCode());
    }
  }

  @Test
  void fullQueueAnswers503WithRetryAfter() throws Exception {
    OverlapReranker slow = new OverlapReranker().gate(1);
    try (RerankServer s =
        RerankServer.builder()
            .setReranker(slow)
            .optPort(0)
            .optBatchPolicy(new BatchPolicy(1, 64, 0, 1))
            .build()
            .start()) {
      CompletableFuture<HttpResponse<String>> first = postAsync(s, rerankBody("q", 2));
      assertTrue(slow.entered.await(10, TimeUnit.SECONDS)); // first is being scored
      CompletableFuture<HttpResponse<String>> second = postAsync(s, rerankBody("q", 2));
      awaitQueueDepth(s, 1); // second waits in the queue, which is now full
      HttpResponse<String> third = post(s, "/v1/rerank", rerankBody("q", 2));
      assertEquals(503, third.statusCode());
      assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
      assertEquals("unavailable", json(third).get("error").get("type").asText());
      slow.release();
      assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
      assertEquals(200, second.get(10, TimeUnit.SECONDS).statusCode());
    }
  }

  @Test
  void concurrentRequestsAreScoredInOneBatch() throws Exception {
    OverlapReranker gated = new OverlapReranker().gate(1);
    try (RerankServer s =
        RerankServer.builder()
            .setReranker(gated)
            .optPort(0)
            .optBatchPolicy(new BatchPolicy(16, 1000, 5, 64))
            .build()
            .start()) {
      CompletableFuture<HttpResponse<String>> blocker = postAsync(s, rerankBody("q", 1));
      assertTrue(gated.entered.await(10, TimeUnit.SECONDS));
      List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
      for (int i = 0; i < 6; i++) waiting.add(postAsync(s, rerankBody("doc " + i, 6)));
      awaitQueueDepth(s, 6);
      gated.release();
      assertEquals(200, blocker.get(10, TimeUnit.SECONDS).statusCode());
      for (int i = 0; i < 6; i++) {
        JsonNode body = json(waiting.get(i).get(10, TimeUnit.SECONDS));
        assertEquals(6, body.get("meta").get("batch_requests").asInt());
        // each request still gets its own scores: "doc i" matches document i best
        assertEquals(i, body.get("results").get(0).get("index").asInt());
      }
      assertEquals(List.of(1, 6), gated.batchSizes);
      String metrics = s.metrics().render();
      assertTrue(metrics.contains("qpeft_batch_requests_bucket{le=\"8\"} 2"), metrics);
      assertTrue(metrics.contains("qpeft_batch_requests_bucket{le=\"4\"} 1"), metrics);
    }
  }

  @Test
  void gracefulShutdownFinishesTheRequestInFlight() throws Exception {
    OverlapReranker slow = new OverlapReranker().gate(1);
    RerankServer s = RerankServer.builder().setReranker(slow).optPort(0).build().start();
    URI base = s.baseUri();
    CompletableFuture<HttpResponse<String>> inFlight = postAsync(s, rerankBody("doc 1", 2));
    assertTrue(slow.entered.await(10, TimeUnit.SECONDS));
    CompletableFuture<Void> stopping =
        CompletableFuture.runAsync(() -> s.stop(Duration.ofSeconds(10)));
    Thread.sleep(100);
    assertFalse(stopping.isDone()); // waiting for the request in flight
    assertFalse(slow.closed);
    slow.release();
    HttpResponse<String> answer = inFlight.get(10, TimeUnit.SECONDS);
    assertEquals(200, answer.statusCode());
    assertEquals(1, json(answer).get("results").get(0).get("index").asInt());
    stopping.get(10, TimeUnit.SECONDS);
    assertTrue(slow.closed);
    HttpClient fresh = HttpClient.newHttpClient();
    HttpRequest again = HttpRequest.newBuilder(base.resolve("/healthz")).build();
    Exception refused =
        assertThrows(
            Exception.class, () -> fresh.send(again, HttpResponse.BodyHandlers.ofString()));
    assertTrue(
        refused instanceof ConnectException || refused.getCause() instanceof ConnectException,
        refused.toString());
  }

  @Test
  void scoringFailureAnswers500() throws Exception {
    OverlapReranker failing =
        new OverlapReranker() {
          @Override
          public double[] score(io.qpeft.data.Query q, List<io.qpeft.data.Passage> p) {
            throw new IllegalStateException("boom");
          }
        };
    try (RerankServer s = RerankServer.builder().setReranker(failing).optPort(0).build().start()) {
      HttpResponse<String> r = post(s, "/v1/rerank", rerankBody("q", 1));
      assertEquals(500, r.statusCode());
      assertEquals("internal_error", json(r).get("error").get("type").asText());
      assertTrue(s.metrics().render().contains("qpeft_scoring_failures_total 1"));
    }
  }

  static CompletableFuture<HttpResponse<String>> postAsync(RerankServer s, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(s.baseUri().resolve("/v1/rerank"))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  static void awaitQueueDepth(RerankServer s, int depth) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (s.queueDepth() < depth) {
      if (System.nanoTime() > deadline) throw new AssertionError("queue never reached " + depth);
      Thread.sleep(5);
    }
  }
}
