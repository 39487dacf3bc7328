package io.qpeft.eval;

import java.util.List;
import java.util.Map;

/**
 * An effectiveness measure of one ranked list against relevance judgments. Values are averaged over
 * queries by {@link Evaluation}; a measure returns {@link Double#NaN} for a query on which it is
 * undefined, and such queries are left out of its mean (see {@link RankMeasure.Kind#RECALL}).
 */
public interface Measure {

  /** The name in ir_measures syntax, e.g. {@code nDCG@10}, {@code AP}, {@code RR@10}. */
  String name();

  /**
   * The value for one query.
   *
   * @param ranking document ids, best first, without duplicates (see {@link Rankings})
   * @param judgments graded relevance of the judged documents of this query (docid to grade);
   *     unjudged documents are non-relevant
   */
  double evaluate(List<String> ranking, Map<String, Integer> judgments);

  /** Parses a comma-separated list of measure names, e.g. {@code "nDCG@10,RR@10,AP"}. */
  static List<Measure> parseList(String names, int relevanceThreshold) {
    return java.util.Arrays.stream(names.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(s -> (Measure) RankMeasure.parse(s, relevanceThreshold))
        .toList();
  }
}
