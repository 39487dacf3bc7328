package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal-rank fusion (Cormack, Clarke and Büttcher, "Reciprocal Rank Fusion outperforms
 * Condorcet and individual Rank Learning Methods", SIGIR 2009): {@code score(d) = sum over rankings
 * r containing d of 1 / (k + rank_r(d))}, ranks starting at 1. Only ranks matter, so BM25 and
 * cosine scores need no calibration.
 */
public final class ReciprocalRankFusion {
  /** The paper's constant. */
  public static final int DEFAULT_K = 60;

  private ReciprocalRankFusion() {}

  /**
   * Fuses {@code rankings} (each best first) and returns the {@code hits} best, ties by docid. A
   * passage found by several rankings keeps the first ranking's copy.
   */
  public static List<Candidate> fuse(List<List<Candidate>> rankings, int k, int hits) {
    if (k < 0) throw new IllegalArgumentException("RRF k must be >= 0, got " + k);
    Retriever.requireHits(hits);
    Map<String, Passage> passages = new LinkedHashMap<>();
    Map<String, Double> scores = new LinkedHashMap<>();
    for (List<Candidate> ranking : rankings) {
      for (int i = 0; i < ranking.size(); i++) {
        Candidate c = ranking.get(i);
        passages.putIfAbsent(c.docid(), c.passage());
        scores.merge(c.docid(), 1.0 / (k + i + 1), Double::sum);
      }
    }
    List<Candidate> out = new ArrayList<>(scores.size());
    scores.forEach((id, s) -> out.add(new Candidate(passages.get(id), s)));
    out.sort(LuceneIndex.RANKING);
    return out.size() > hits ? List.copyOf(out.subList(0, hits)) : out;
  }
}
