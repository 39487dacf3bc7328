package io.qpeft.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Reranker} that asks a running {@code qpeft serve} (or any service with the Cohere {@code
 * POST /v1/rerank} shape) for the scores, so an application can rerank without loading a model in
 * its own JVM. Each {@link #score} call is one request with every passage ({@code {"query",
 * "documents": [text | {text, title}], "return_documents": false}}); the answer's {@code
 * relevance_score}s are put back in input order by {@code index}. The server batches concurrent
 * requests by itself. Thread-safe.
 *
 * <p>Errors: a 4xx answer (a limit such as {@code --max-documents}, a wrong token) is an {@link
 * IllegalArgumentException} carrying the server's message; a 5xx answer or a broken answer is an
 * {@link IllegalStateException}; an unreachable server is an {@link UncheckedIOException} naming
 * the URL.
 */
public final class RemoteReranker implements Reranker {
  private final URI endpoint;
  private final String token;
  private final Duration timeout;
  private final String model;
  private final HttpClient http;
  private final ObjectMapper mapper = new ObjectMapper();

  private RemoteReranker(Builder b) {
    this.endpoint = endpoint(Objects.requireNonNull(b.url, "setUrl is required"));
    this.token = b.token;
    this.timeout = b.timeout;
    this.model = b.model;
    this.http = HttpClient.newBuilder().connectTimeout(b.timeout).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code http://host:port} or the full {@code .../v1/rerank} address. */
  static URI endpoint(String url) {
    String u = url.strip();
    if (!u.startsWith("http://") && !u.startsWith("https://"))
      throw new IllegalArgumentException(
          "rerank service URL must start with http:// or https://, got '" + url + "'");
    while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
    if (!u.endsWith("/rerank")) u = u + "/v1/rerank";
    try {
      return URI.create(u);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("rerank service URL '" + url + "': " + e.getMessage());
    }
  }

  /** The address requests go to. */
  public URI endpoint() {
    return endpoint;
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    if (passages.isEmpty()) return new double[0];
    ObjectNode body = mapper.createObjectNode();
    if (model != null) body.put("model", model);
    body.put("query", query.text());
    ArrayNode docs = body.putArray("documents");
    for (Passage p : passages) {
      if (p.title().isEmpty()) docs.add(p.text());
      else docs.addObject().put("text", p.text()).put("title", p.title());
    }
    body.put("return_documents", false);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(endpoint)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body)));
    if (token != null) req.header("Authorization", "Bearer " + token);
    HttpResponse<byte[]> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot reach the rerank service at " + endpoint + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + endpoint, e);
    }
    JsonNode answer = parse(resp);
    if (resp.statusCode() != 200) {
      String message = answer.path("error").path("message").asText("(no message)");
      String text = endpoint + " answered " + resp.statusCode() + ": " + message;
      if (resp.statusCode() >= 400 && resp.statusCode() < 500)
        throw new IllegalArgumentException(text);
      throw new IllegalStateException(text);
    }
    double[] scores = new double[passages.size()];
    Arrays.fill(scores, Double.NaN);
    JsonNode results = answer.path("results");
    for (JsonNode r : results) {
      int i = r.path("index").asInt(-1);
      if (i < 0 || i >= scores.length || !r.path("relevance_score").isNumber())
        throw new IllegalStateException(endpoint + " answered a malformed result: " + r);
      scores[i] = r.get("relevance_score").asDouble();
    }
    for (int i = 0; i < scores.length; i++)
      if (Double.isNaN(scores[i]))
        throw new IllegalStateException(
            endpoint + " answered no score for document " + i + " (was top_n set on the server?)");
    return scores;
  }

  private byte[] bytes(ObjectNode body) {
    try {
      return mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode parse(HttpResponse<byte[]> resp) {
    try {
      JsonNode n = mapper.readTree(resp.body());
      if (n == null) throw new IOException("empty body");
      return n;
    } catch (IOException e) {
      throw new IllegalStateException(
          endpoint + " answered " + resp.statusCode() + " with a body that is not JSON", e);
    }
  }

  /** Nothing to release: the JDK's HTTP client needs no closing on Java 17. */
  @Override
  public void close() {}

  /** Builder: {@link #setUrl} is required. */
  public static final class Builder {
    private String url;
    private String token;
    private Duration timeout = Duration.ofSeconds(60);
    private String model;

    private Builder() {}

    /** The service: {@code http://host:port} (then {@code /v1/rerank}) or a full URL. */
    public Builder setUrl(String url) {
      this.url = url;
      return this;
    }

    /** Bearer token ({@code qpeft serve --api-key-env}); none by default. */
    public Builder optToken(String token) {
      this.token = token == null || token.isEmpty() ? null : token;
      return this;
    }

    /** Connect and request timeout (default 60 s: LLM scoring of long lists is slow on CPU). */
    public Builder optTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero())
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      this.timeout = timeout;
      return this;
    }

    /** The {@code model} field sent (qpeft serve ignores it; other services may need it). */
    public Builder optModel(String model) {
      this.model = model;
      return this;
    }

    public RemoteReranker build() {
      return new RemoteReranker(this);
    }
  }
}
