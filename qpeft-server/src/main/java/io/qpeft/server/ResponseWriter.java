package io.qpeft.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes answers. Every request ends here exactly once: the answer is written (or the client has
 * gone), the exchange closed, the request's status and latency recorded, and its in-flight slot
 * released.
 */
final class ResponseWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseWriter.class);

  /** One request being answered: its exchange, its endpoint (for metrics) and its start time. */
  record Call(HttpExchange exchange, String endpoint, long startNanos) {}

  private final ObjectMapper mapper;
  private final ResponseBodies bodies;
  private final ServerMetrics metrics;
  private final InFlight inFlight;

  ResponseWriter(
      ObjectMapper mapper, ResponseBodies bodies, ServerMetrics metrics, InFlight inFlight) {
    this.mapper = mapper;
    this.bodies = bodies;
    this.metrics = metrics;
    this.inFlight = inFlight;
  }

  ObjectMapper mapper() {
    return mapper;
  }

  ResponseBodies bodies() {
    return bodies;
  }

  void json(Call call, int status, JsonNode body) {
    byte[] bytes;
    try {
      bytes = mapper.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    send(call, status, "application/json", bytes);
  }

  /** The error's JSON body, with its headers (Allow, Retry-After, WWW-Authenticate). */
  void error(Call call, ApiException e) {
    e.headers.forEach((k, v) -> call.exchange().getResponseHeaders().set(k, v));
    json(call, e.status, bodies.error(e));
  }

  void send(Call call, int status, String contentType, byte[] body) {
    HttpExchange ex = call.exchange();
    try {
      ex.getResponseHeaders().set("Content-Type", contentType);
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      ex.getResponseBody().write(body);
    } catch (IOException e) {
      LOG.debug("client went away before the answer was written: {}", e.toString());
    } finally {
      ex.close();
      metrics.recordRequest(call.endpoint(), status, System.nanoTime() - call.startNanos());
      inFlight.leave();
    }
  }
}
