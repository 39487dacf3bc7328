package io.qpeft.eval;

import io.qpeft.data.RunEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ranked lists per query, best first, as measures see them.
 *
 * <p>From a TREC run the order is trec_eval's, not the file's: score descending, ties broken by
 * docid descending (byte-wise string order), and the rank column is ignored. This is why two tools
 * can disagree on runs with tied scores; we agree with trec_eval. A docid retrieved twice for one
 * query is an error, as in trec_eval.
 */
public final class Rankings {
  private Rankings() {}

  /** Orders the entries of each query the way trec_eval does. */
  public static Map<String, List<String>> fromRun(Map<String, List<RunEntry>> run, String runName) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Comparator<RunEntry> order =
        Comparator.comparingDouble(RunEntry::score)
            .reversed()
            .thenComparing(RunEntry::docid, Comparator.reverseOrder());
    run.forEach(
        (qid, entries) -> {
          List<RunEntry> sorted = new ArrayList<>(entries);
          sorted.sort(order);
          out.put(qid, checked(qid, sorted.stream().map(RunEntry::docid).toList(), runName));
        });
    return out;
  }

  /** Checks that no document appears twice in one query's ranking. */
  static List<String> checked(String qid, List<String> ranking, String runName) {
    Set<String> seen = new HashSet<>();
    for (String d : ranking) {
      if (!seen.add(d)) {
        throw new IllegalArgumentException(
            runName + ": document " + d + " is ranked twice for query " + qid);
      }
    }
    return ranking;
  }
}
