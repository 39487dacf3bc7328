package io.qpeft.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standard rank measures, with trec_eval semantics (trec_eval 9.0.8; names as in ir_measures),
 * plus the two measures of the UPR and Q-PEFT papers. {@code k} is the cutoff ({@code 0} = the
 * whole ranking); a document is relevant when its grade is at least {@code threshold} (trec_eval's
 * {@code -l}, default 1). With {@code R} = number of relevant documents in the judgments and {@code
 * rel_i} = 1 when the document at rank {@code i} is relevant:
 *
 * <ul>
 *   <li>{@code nDCG@k} (trec_eval {@code ndcg_cut}): DCG / ideal DCG, DCG = Σ_{i≤k} gain_i /
 *       log2(i+1) with gain = the judged grade (negative grades count 0, no threshold), ideal DCG
 *       from the judgments' grades sorted descending; 0 when the ideal is 0.
 *   <li>{@code RR@k} ({@code recip_rank}): 1 / rank of the first relevant document within k, else
 *       0.
 *   <li>{@code R@k} ({@code recall}): relevant in top k / R; 0 when R = 0.
 *   <li>{@code P@k} ({@code P}): relevant in top k / k, even when fewer than k are retrieved.
 *   <li>{@code AP} / {@code AP@k} ({@code map}, {@code map_cut}): Σ_{i≤k} rel_i · P@i / R; 0 when
 *       R=0.
 *   <li>{@code Success@k}: 1 when a relevant document is in the top k, else 0.
 *   <li>{@code Hit@k} (papers): the same value as Success@k, under the papers' name.
 *   <li>{@code Recall@k} (papers): relevant in top k / relevant anywhere in the ranking (the
 *       retrieved depth, e.g. the top 100 being reranked); undefined (NaN, left out of the mean)
 *       for a query with no relevant document in the ranking, since no reranking can change it.
 * </ul>
 */
public record RankMeasure(Kind kind, int k, int threshold) implements Measure {

  /** The measure families. */
  public enum Kind {
    NDCG("nDCG"),
    RR("RR"),
    R("R"),
    P("P"),
    AP("AP"),
    SUCCESS("Success"),
    HIT("Hit"),
    RECALL("Recall");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  public RankMeasure {
    if (k < 0) throw new IllegalArgumentException("measure cutoff must be >= 0, got " + k);
    if ((kind == Kind.P || kind == Kind.SUCCESS || kind == Kind.HIT || kind == Kind.RECALL)
        && k == 0) {
      throw new IllegalArgumentException(
          kind.label + " needs a cutoff, e.g. " + kind.label + "@10");
    }
  }

  /** Parses {@code name} or {@code name@k} (case-insensitive), e.g. {@code nDCG@10}, {@code AP}. */
  public static RankMeasure parse(String spec, int threshold) {
    String s = spec.strip();
    int at = s.indexOf('@');
    String name = (at < 0 ? s : s.substring(0, at)).toLowerCase(Locale.ROOT);
    int k = 0;
    if (at >= 0) {
      try {
        k = Integer.parseInt(s.substring(at + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "measure '" + spec + "': cutoff after @ must be an integer");
      }
      if (k <= 0)
        throw new IllegalArgumentException("measure '" + spec + "': cutoff must be positive");
    }
    for (Kind kind : Kind.values()) {
      if (kind.label.toLowerCase(Locale.ROOT).equals(name))
        return new RankMeasure(kind, k, threshold);
    }
    if (name.equals("map")) return new RankMeasure(Kind.AP, k, threshold);
    if (name.equals("mrr")) return new RankMeasure(Kind.RR, k, threshold);
    if (name.equals("ndcg_cut")) return new RankMeasure(Kind.NDCG, k, threshold);
    List<String> known = new ArrayList<>();
    for (Kind kind : Kind.values()) known.add(kind.label);
    throw new IllegalArgumentException(
        "unknown measure '" + spec + "'; known: " + known + " with optional @k");
  }

  @Override
  public String name() {
    return k == 0 ? kind.label : kind.label + "@" + k;
  }

  @Override
  public double evaluate(List<String> ranking, Map<String, Integer> judgments) {
    int depth = k == 0 ? ranking.size() : Math.min(k, ranking.size());
    switch (kind) {
      case NDCG:
        return ndcg(ranking, judgments, depth);
      case RR:
        for (int i = 0; i < depth; i++)
          if (relevant(judgments, ranking.get(i))) return 1.0 / (i + 1);
        return 0;
      case SUCCESS:
      case HIT:
        for (int i = 0; i < depth; i++) if (relevant(judgments, ranking.get(i))) return 1;
        return 0;
      case P:
        return relevantIn(ranking, judgments, depth) / (double) k;
      case R:
        {
          int total = relevantJudged(judgments);
          return total == 0 ? 0 : relevantIn(ranking, judgments, depth) / (double) total;
        }
      case RECALL:
        {
          int inDepth = relevantIn(ranking, judgments, ranking.size());
          return inDepth == 0
              ? Double.NaN
              : relevantIn(ranking, judgments, depth) / (double) inDepth;
        }
      case AP:
        {
          int total = relevantJudged(judgments);
          if (total == 0) return 0;
          double sum = 0;
          int found = 0;
          for (int i = 0; i < depth; i++) {
            if (relevant(judgments, ranking.get(i))) sum += ++found / (double) (i + 1);
          }
          return sum / total;
        }
      default:
        throw new AssertionError(kind);
    }
  }

  private boolean relevant(Map<String, Integer> judgments, String docid) {
    Integer g = judgments.get(docid);
    return g != null && g >= threshold;
  }

  private int relevantIn(List<String> ranking, Map<String, Integer> judgments, int depth) {
    int n = 0;
    for (int i = 0; i < depth; i++) if (relevant(judgments, ranking.get(i))) n++;
    return n;
  }

  private int relevantJudged(Map<String, Integer> judgments) {
    int n = 0;
    for (int g : judgments.values()) if (g >= threshold) n++;
    return n;
  }

  /** DCG of the ranking's top {@code depth} over the ideal DCG at cutoff k (all judged if k=0). */
  private double ndcg(List<String> ranking, Map<String, Integer> judgments, int depth) {
    double dcg = 0;
    for (int i = 0; i < depth; i++) {
      Integer g = judgments.get(ranking.get(i));
      if (g != null && g > 0) dcg += g / log2(i + 2);
    }
    int[] gains =
        judgments.values().stream()
            .mapToInt(Integer::intValue)
            .filter(g -> g > 0)
            .sorted()
            .toArray();
    int idealDepth = k == 0 ? gains.length : Math.min(k, gains.length);
    double ideal = 0;
    for (int i = 0; i < idealDepth; i++) ideal += gains[gains.length - 1 - i] / log2(i + 2);
    return ideal == 0 ? 0 : dcg / ideal;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
