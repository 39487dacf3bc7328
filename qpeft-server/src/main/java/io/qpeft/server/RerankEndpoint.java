package io.qpeft.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/rerank} (Cohere/Jina) and {@code POST /rerank} (text-embeddings-inference): parse
 * and check the request on the HTTP thread, hand it to the {@link BatchScheduler}, and answer from
 * {@code answerExecutor} when its batch is scored, so that no HTTP thread waits on scoring.
 */
final class RerankEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(RerankEndpoint.class);

  private final ObjectMapper mapper;
  private final ResponseBodies bodies;
  private final ResponseWriter writer;
  private final BatchScheduler scheduler;
  private final Executor answerExecutor;
  private final Limits limits;
  private final ToIntFunction<String> tokenCounter;
  private final String modelId;
  private final AtomicLong queryIds = new AtomicLong();

  RerankEndpoint(
      ResponseWriter writer,
      BatchScheduler scheduler,
      Executor answerExecutor,
      Limits limits,
      ToIntFunction<String> tokenCounter,
      String modelId) {
    this.mapper = writer.mapper();
    this.bodies = writer.bodies();
    this.writer = writer;
    this.scheduler = scheduler;
    this.answerExecutor = answerExecutor;
    this.limits = limits;
    this.tokenCounter = tokenCounter;
    this.modelId = modelId;
  }

  /** Parses and submits the request; its answer is written later (or now, if it is empty). */
  void handle(ResponseWriter.Call call, RerankRequest.Shape shape) {
    byte[] body = RequestBody.read(call.exchange(), limits.maxBodyBytes());
    RerankRequest request = RerankRequest.parse(mapper, body, limits, tokenCounter, shape);
    if (request.model() != null && !request.model().equals(modelId)) {
      LOG.debug("request names model {}, serving {}", request.model(), modelId);
    }
    if (request.passages().isEmpty()) {
      writer.json(
          call,
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
            (result, error) -> answer(call, shape, request, result, error), answerExecutor);
  }

  private void answer(
      ResponseWriter.Call call,
      RerankRequest.Shape shape,
      RerankRequest request,
      BatchScheduler.Result result,
      Throwable error) {
    try {
      if (error == null) {
        List<Scored> ranked =
            Reranker.sortScores(request.passages(), result.scores(), request.topN());
        writer.json(
            call,
            200,
            shape == RerankRequest.Shape.TEI
                ? bodies.tei(request, ranked)
                : bodies.rerank(request, ranked, result));
        return;
      }
      Throwable cause = error instanceof CompletionException ? error.getCause() : error;
      if (cause instanceof IllegalArgumentException) {
        writer.error(
            call, ApiException.badRequest(null, "cannot score request: " + cause.getMessage()));
      } else {
        LOG.error("scoring failed", cause);
        writer.error(call, ApiException.internal());
      }
    } catch (RuntimeException e) {
      LOG.error("cannot answer a rerank request", e);
      writer.error(call, ApiException.internal());
    }
  }
}
