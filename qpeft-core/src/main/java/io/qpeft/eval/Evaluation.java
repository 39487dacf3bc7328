package io.qpeft.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-query values of several measures for one run, over a fixed query set: the queries that have
 * judgments, in judgment order. A judged query missing from the run counts with an empty ranking (0
 * for every trec_eval measure, as {@code trec_eval -c}); run queries without judgments are ignored.
 *
 * @param qids the evaluated queries
 * @param measures the measures, in column order
 * @param values {@code values[m][q]}: measure m on query q; NaN where the measure is undefined
 * @param missing number of judged queries absent from the run
 */
public record Evaluation(
    List<String> qids, List<Measure> measures, double[][] values, int missing) {

  /** Evaluates {@code rankings} (docids best first per query) against {@code judgments}. */
  public static Evaluation of(
      Map<String, List<String>> rankings,
      Map<String, Map<String, Integer>> judgments,
      List<Measure> measures) {
    List<String> qids = new ArrayList<>(judgments.keySet());
    double[][] values = new double[measures.size()][qids.size()];
    int missing = 0;
    for (int q = 0; q < qids.size(); q++) {
      List<String> ranking = rankings.get(qids.get(q));
      if (ranking == null) {
        ranking = List.of();
        missing++;
      }
      Map<String, Integer> j = judgments.get(qids.get(q));
      for (int m = 0; m < measures.size(); m++) values[m][q] = measures.get(m).evaluate(ranking, j);
    }
    return new Evaluation(List.copyOf(qids), List.copyOf(measures), values, missing);
  }

  /**
   * Mean of measure {@code m} over the queries where it is defined; NaN if it is defined on none.
   */
  public double mean(int m) {
    double sum = 0;
    int n = 0;
    for (double v : values[m]) {
      if (Double.isNaN(v)) continue;
      sum += v;
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Number of queries on which measure {@code m} is defined. */
  public int defined(int m) {
    int n = 0;
    for (double v : values[m]) if (!Double.isNaN(v)) n++;
    return n;
  }

  /** Paired two-sided t-test p-value of measure {@code m} between this run and {@code other}. */
  public double pValue(int m, Evaluation other) {
    if (!qids.equals(other.qids))
      throw new IllegalArgumentException("evaluations cover different queries");
    return StudentT.pairedTTest(values[m], other.values[m]);
  }
}
