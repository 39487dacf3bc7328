package io.qpeft.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.rerank.Scored;
import java.util.List;
import java.util.UUID;

/**
 * The JSON answers of the service: Cohere/Jina rerank, text-embeddings-inference, model list,
 * health and errors.
 */
final class ResponseBodies {
  private final ObjectMapper mapper;
  private final String modelId;

  ResponseBodies(ObjectMapper mapper, String modelId) {
    this.mapper = mapper;
    this.modelId = modelId;
  }

  /** {@code {id, model, results: [{index, relevance_score, document?}], meta}}, best first. */
  ObjectNode rerank(RerankRequest request, List<Scored> ranked, BatchScheduler.Result result) {
    ObjectNode root = mapper.createObjectNode();
    root.put("id", UUID.randomUUID().toString());
    root.put("model", modelId);
    ArrayNode results = root.putArray("results");
    for (Scored s : ranked) {
      ObjectNode r = results.addObject();
      r.put("index", s.index());
      r.put("relevance_score", s.score());
      if (request.returnDocuments()) {
        ObjectNode doc = r.putObject("document");
        doc.put("text", s.passage().text());
        if (!s.passage().title().isEmpty()) doc.put("title", s.passage().title());
      }
    }
    ObjectNode meta = root.putObject("meta");
    meta.putObject("api_version").put("version", "1");
    meta.put("model", modelId);
    meta.put("documents", request.passages().size());
    if (result != null) {
      meta.put("batch_requests", result.batchRequests());
      meta.put("batch_documents", result.batchDocuments());
      meta.put("queue_ms", result.queueNanos() / 1e6);
    }
    return root;
  }

  /** The text-embeddings-inference answer: {@code [{index, score, text?}]}, best first. */
  ArrayNode tei(RerankRequest request, List<Scored> ranked) {
    ArrayNode out = mapper.createArrayNode();
    for (Scored s : ranked) {
      ObjectNode r = out.addObject();
      r.put("index", s.index());
      r.put("score", s.score());
      if (request.returnDocuments()) r.put("text", s.passage().text());
    }
    return out;
  }

  /** The OpenAI-style model list. */
  ObjectNode models(long createdEpochSeconds) {
    ObjectNode root = mapper.createObjectNode();
    root.put("object", "list");
    ObjectNode m = root.putArray("data").addObject();
    m.put("id", modelId);
    m.put("object", "model");
    m.put("created", createdEpochSeconds);
    m.put("owned_by", "qpeft");
    return root;
  }

  /** {@code {status, model, queue_depth}}. */
  ObjectNode health(int queueDepth) {
    ObjectNode n = mapper.createObjectNode();
    n.put("status", "ok");
    n.put("model", modelId);
    n.put("queue_depth", queueDepth);
    return n;
  }

  /** {@code {"error": {status, type, message, field?, limit?, value?}}}. */
  ObjectNode error(ApiException e) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("status", e.status);
    err.put("type", e.type);
    err.put("message", e.getMessage());
    if (e.field != null) err.put("field", e.field);
    if (e.limit != null) err.put("limit", e.limit);
    if (e.value != null) err.put("value", e.value);
    return root;
  }
}
