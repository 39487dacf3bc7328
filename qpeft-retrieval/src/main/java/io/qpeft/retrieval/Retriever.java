package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import java.util.ArrayList;
import java.util.List;

/**
 * A first-stage retriever: returns the best passages of a collection for a query, best first.
 * Implementations are safe to share between threads and own index readers or native sessions, hence
 * {@link AutoCloseable}.
 */
public interface Retriever extends AutoCloseable {

  /**
   * The top {@code hits} candidates for {@code query}, by descending score; equal scores are
   * ordered by ascending docid so that a ranking never depends on the order passages were indexed
   * in.
   */
  List<Candidate> search(Query query, int hits);

  /**
   * Searches several queries; the result lists are in input order. Implementations override this to
   * batch work across queries (the dense retriever encodes all queries in one batch). The default
   * searches them one after another.
   */
  default List<List<Candidate>> searchAll(List<Query> queries, int hits) {
    List<List<Candidate>> out = new ArrayList<>(queries.size());
    for (Query q : queries) out.add(search(q, hits));
    return out;
  }

  /** Checks the {@code hits} argument shared by every implementation. */
  static int requireHits(int hits) {
    if (hits <= 0) throw new IllegalArgumentException("hits must be positive, got " + hits);
    return hits;
  }

  @Override
  void close();
}
