package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Scores passages for a query; higher is more relevant. Implementations are safe to share between
 * threads and own native resources, hence {@link AutoCloseable}.
 */
public interface Reranker extends AutoCloseable {

  /** Relevance scores of {@code passages} for {@code query}, in input order. */
  double[] score(Query query, List<Passage> passages);

  /**
   * Scores several queries' candidates at once (implementations batch across queries). The default
   * scores them one after another.
   */
  default List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    requireOneListPerQuery(queries, passages);
    List<double[]> out = new ArrayList<>(queries.size());
    for (int i = 0; i < queries.size(); i++) out.add(score(queries.get(i), passages.get(i)));
    return out;
  }

  /**
   * The {@code topK} best passages, best first. Ties keep input order (a stable sort), so the
   * result is deterministic. {@code topK <= 0} or larger than the list returns all of them.
   */
  default List<Scored> rerank(Query query, List<Passage> passages, int topK) {
    return sortScores(passages, score(query, passages), topK);
  }

  /** Checks that {@code scoreAll} got one passage list per query. */
  static void requireOneListPerQuery(List<Query> queries, List<List<Passage>> passages) {
    if (queries.size() != passages.size()) {
      throw new IllegalArgumentException(
          "got " + queries.size() + " queries but " + passages.size() + " passage lists");
    }
  }

  /** Cuts the scores of all pairs, concatenated in query order, into one array per query. */
  static List<double[]> splitByQuery(double[] all, List<List<Passage>> passages) {
    List<double[]> out = new ArrayList<>(passages.size());
    int at = 0;
    for (List<Passage> list : passages) {
      out.add(java.util.Arrays.copyOfRange(all, at, at + list.size()));
      at += list.size();
    }
    return out;
  }

  /** Sorts passages by descending score, stable on ties, and keeps the first {@code topK}. */
  static List<Scored> sortScores(List<Passage> passages, double[] scores, int topK) {
    if (scores.length != passages.size()) {
      throw new IllegalArgumentException(
          "got " + scores.length + " scores for " + passages.size() + " passages");
    }
    List<Scored> out = new ArrayList<>(passages.size());
    for (int i = 0; i < scores.length; i++) out.add(new Scored(i, passages.get(i), scores[i]));
    out.sort(Comparator.comparingDouble(Scored::score).reversed()); // List.sort is stable
    int k = topK <= 0 ? out.size() : Math.min(topK, out.size());
    return List.copyOf(out.subList(0, k));
  }

  @Override
  void close();
}
