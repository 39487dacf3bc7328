package io.qpeft.server;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching: HTTP threads enqueue scoring jobs, one scheduler thread gathers them into
 * batches (see {@link BatchPolicy}) and scores each batch with one {@link Reranker#scoreAll} call,
 * so concurrent requests share forward passes. The queue is bounded: when it is full, {@link
 * #submit} refuses the job (503) instead of letting memory grow without limit.
 *
 * <p>If a batch of several jobs fails, each job is retried alone so that one bad request does not
 * fail the others.
 */
final class BatchScheduler {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

  /** A request's share of a batch: its scores in input order and how it was batched. */
  record Result(double[] scores, int batchRequests, int batchDocuments, long queueNanos) {}

  private record Job(
      Query query, List<Passage> passages, long enqueuedNanos, CompletableFuture<Result> future) {}

  private final Reranker reranker;
  private final BatchPolicy policy;
  private final ServerMetrics metrics;
  private final BlockingQueue<Job> queue;
  private final Object lock = new Object();
  private final Thread thread;
  private boolean stopping; // guarded by lock
  private Job carried; // a job that did not fit the previous batch; scheduler thread only

  BatchScheduler(Reranker reranker, BatchPolicy policy, ServerMetrics metrics) {
    this.reranker = reranker;
    this.policy = policy;
    this.metrics = metrics;
    this.queue = new ArrayBlockingQueue<>(policy.queueCapacity());
    this.thread = new Thread(this::loop, "qpeft-batch-scheduler");
    this.thread.setDaemon(true);
    metrics.bindQueue(queue::size, policy.queueCapacity());
  }

  void start() {
    thread.start();
  }

  int queueDepth() {
    return queue.size();
  }

  /**
   * Enqueues a job. Throws {@link ApiException} 503 with a Retry-After when the queue is full or
   * the server is shutting down.
   */
  CompletableFuture<Result> submit(Query query, List<Passage> passages) {
    Job job = new Job(query, passages, System.nanoTime(), new CompletableFuture<>());
    synchronized (lock) {
      if (stopping) throw ApiException.unavailable("server is shutting down", 5);
      if (!queue.offer(job)) {
        throw ApiException.unavailable(
            "server is overloaded: "
                + policy.queueCapacity()
                + " requests already queued (--queue); retry later",
            1);
      }
    }
    return job.future;
  }

  /** Refuses new jobs; queued ones are still scored. */
  void stopAccepting() {
    synchronized (lock) {
      stopping = true;
    }
  }

  /** Waits for the queue to drain and the scheduler thread to end. */
  boolean awaitTermination(long millis) throws InterruptedException {
    stopAccepting();
    thread.join(Math.max(1, millis));
    return !thread.isAlive();
  }

  private void loop() {
    try {
      while (true) {
        Job first = carried != null ? carried : queue.poll(50, TimeUnit.MILLISECONDS);
        carried = null;
        if (first == null) {
          synchronized (lock) {
            if (stopping && queue.isEmpty()) return;
          }
          continue;
        }
        score(gather(first));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failQueued(new IllegalStateException("scheduler interrupted"));
    }
  }

  /** Adds queued jobs to {@code first} until the wait, request or document budget runs out. */
  private List<Job> gather(Job first) throws InterruptedException {
    List<Job> batch = new ArrayList<>();
    batch.add(first);
    int documents = first.passages.size();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(policy.maxWaitMillis());
    while (batch.size() < policy.maxBatchRequests() && documents < policy.maxBatchDocuments()) {
      long remaining = deadline - System.nanoTime();
      Job next = remaining > 0 ? queue.poll(remaining, TimeUnit.NANOSECONDS) : queue.poll();
      if (next == null) break;
      if (documents + next.passages.size() > policy.maxBatchDocuments()) {
        carried = next; // first in the next batch, so arrival order is kept
        break;
      }
      batch.add(next);
      documents += next.passages.size();
    }
    return batch;
  }

  private void score(List<Job> batch) {
    long start = System.nanoTime();
    int documents = 0;
    List<Query> queries = new ArrayList<>(batch.size());
    List<List<Passage>> passages = new ArrayList<>(batch.size());
    for (Job job : batch) {
      queries.add(job.query);
      passages.add(job.passages);
      documents += job.passages.size();
    }
    try {
      List<double[]> scores = reranker.scoreAll(queries, passages);
      if (scores.size() != batch.size()) {
        throw new IllegalStateException(
            "reranker returned " + scores.size() + " score lists for " + batch.size() + " queries");
      }
      metrics.recordBatch(batch.size(), documents);
      for (int i = 0; i < batch.size(); i++) {
        Job job = batch.get(i);
        double[] s = scores.get(i);
        if (s.length != job.passages.size()) {
          job.future.completeExceptionally(
              new IllegalStateException(
                  "reranker returned "
                      + s.length
                      + " scores for "
                      + job.passages.size()
                      + " documents"));
          continue;
        }
        job.future.complete(new Result(s, batch.size(), documents, start - job.enqueuedNanos));
      }
    } catch (RuntimeException | Error e) {
      if (batch.size() > 1) {
        LOG.warn(
            "batch of {} requests failed ({}); scoring them one by one",
            batch.size(),
            e.toString());
        for (Job job : batch) score(List.of(job));
        return;
      }
      metrics.recordScoringFailure();
      batch.get(0).future.completeExceptionally(e);
    }
  }

  private void failQueued(Throwable cause) {
    if (carried != null) carried.future.completeExceptionally(cause);
    for (Job job; (job = queue.poll()) != null; ) job.future.completeExceptionally(cause);
  }
}
