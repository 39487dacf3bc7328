package io.qpeft.server;

/**
 * How the scheduler gathers concurrent requests into one {@code Reranker.scoreAll} call.
 *
 * <p>The scheduler takes the oldest queued request, then waits at most {@code maxWaitMillis} for
 * more, until the batch holds {@code maxBatchRequests} requests or {@code maxBatchDocuments}
 * documents. A request larger than the document budget is scored alone. {@code maxBatchRequests =
 * 1} disables batching; {@code maxWaitMillis = 0} batches only what is already queued.
 *
 * @param queueCapacity requests waiting to be scored before new ones are answered 503
 */
public record BatchPolicy(
    int maxBatchRequests, int maxBatchDocuments, long maxWaitMillis, int queueCapacity) {

  public static final BatchPolicy DEFAULT = new BatchPolicy(32, 512, 5, 256);

  public BatchPolicy {
    Limits.require(maxBatchRequests > 0, "--batch-size must be positive, got " + maxBatchRequests);
    Limits.require(
        maxBatchDocuments > 0, "--batch-documents must be positive, got " + maxBatchDocuments);
    Limits.require(
        maxWaitMillis >= 0, "--max-batch-wait-ms must be zero or positive, got " + maxWaitMillis);
    Limits.require(queueCapacity > 0, "--queue must be positive, got " + queueCapacity);
  }

  /** The same policy with batching disabled: one request per {@code scoreAll} call. */
  public BatchPolicy unbatched() {
    return new BatchPolicy(1, maxBatchDocuments, 0, queueCapacity);
  }
}
