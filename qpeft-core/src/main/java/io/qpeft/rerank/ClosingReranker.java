package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.util.List;

/** A reranker that, when closed, also closes what it was built on (tokenizer, model), in order. */
public final class ClosingReranker implements Reranker {
  private final Reranker inner;
  private final AutoCloseable[] resources;

  public ClosingReranker(Reranker inner, AutoCloseable... resources) {
    this.inner = inner;
    this.resources = resources;
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    return inner.score(query, passages);
  }

  @Override
  public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    return inner.scoreAll(queries, passages);
  }

  @Override
  public void close() {
    inner.close();
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + r + ": " + e.getMessage(), e);
      }
    }
  }
}
