package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuses several retrievers (typically BM25 and dense) with {@link ReciprocalRankFusion}. Each is
 * asked for {@code max(hits, depth)} candidates. Owns and closes its retrievers.
 */
public final class HybridRetriever implements Retriever {
  private final List<Retriever> retrievers;
  private final int k;
  private final int depth;

  /**
   * @param retrievers the rankings to fuse, owned from now on
   * @param k RRF constant ({@link ReciprocalRankFusion#DEFAULT_K})
   * @param depth how many candidates each retriever contributes at least
   */
  public HybridRetriever(List<Retriever> retrievers, int k, int depth) {
    if (retrievers.isEmpty())
      throw new IllegalArgumentException("hybrid retrieval needs at least one retriever");
    if (k < 0) throw new IllegalArgumentException("RRF k must be >= 0, got " + k);
    if (depth <= 0)
      throw new IllegalArgumentException("fusion depth must be positive, got " + depth);
    this.retrievers = List.copyOf(retrievers);
    this.k = k;
    this.depth = depth;
  }

  @Override
  public List<Candidate> search(Query query, int hits) {
    return searchAll(List.of(query), hits).get(0);
  }

  @Override
  public List<List<Candidate>> searchAll(List<Query> queries, int hits) {
    Retriever.requireHits(hits);
    int n = Math.max(hits, depth);
    List<List<List<Candidate>>> perRetriever = new ArrayList<>();
    for (Retriever r : retrievers) perRetriever.add(r.searchAll(queries, n));
    List<List<Candidate>> out = new ArrayList<>(queries.size());
    for (int q = 0; q < queries.size(); q++) {
      List<List<Candidate>> rankings = new ArrayList<>();
      for (List<List<Candidate>> r : perRetriever) rankings.add(r.get(q));
      out.add(ReciprocalRankFusion.fuse(rankings, k, hits));
    }
    return out;
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (Retriever r : retrievers) {
      try {
        r.close();
      } catch (RuntimeException e) {
        if (first == null) first = e;
        else first.addSuppressed(e);
      }
    }
    if (first != null) throw first;
  }
}
