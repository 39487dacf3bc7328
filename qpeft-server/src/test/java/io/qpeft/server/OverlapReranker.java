package io.qpeft.server;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic fake reranker for server tests: score = number of distinct query words in the
 * passage (title + text). It records the size of every {@code scoreAll} batch, can hold its first
 * {@code gatedCalls} scoring calls until {@link #release()}, and records {@link #close()}.
 */
class OverlapReranker implements Reranker {
  final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
  final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch gate = new CountDownLatch(1);
  private volatile int gatedCalls;
  volatile boolean closed;

  /** Holds the next {@code calls} scoring calls until {@link #release()}. */
  OverlapReranker gate(int calls) {
    this.gatedCalls = calls;
    return this;
  }

  void release() {
    gate.countDown();
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    Set<String> q = words(query.text());
    double[] out = new double[passages.size()];
    for (int i = 0; i < out.length; i++) {
      Set<String> d = words(passages.get(i).title() + " " + passages.get(i).text());
      d.retainAll(q);
      out[i] = d.size();
    }
    return out;
  }

  @Override
  public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    batchSizes.add(queries.size());
    entered.countDown();
    if (gatedCalls > 0) {
      gatedCalls--;
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("gate timeout");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return Reranker.super.scoreAll(queries, passages);
  }

  static Set<String> words(String s) {
    Set<String> out = new HashSet<>(Arrays.asList(s.toLowerCase(Locale.ROOT).split("\\W+")));
    out.remove("");
    return out;
  }

  @Override
  public void close() {
    closed = true;
  }
}
