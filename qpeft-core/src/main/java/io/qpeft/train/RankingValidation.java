package io.qpeft.train;

import io.qpeft.data.Passage;
import io.qpeft.eval.RankMeasure;
import io.qpeft.model.LanguageModel;
import io.qpeft.peft.PeftModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ranking measures on the dev queries: each dev query's candidates (its hard negatives, then its
 * positives, so that a tie never favours a positive) are scored by the adapter and ranked. This is
 * what the adapter is for, unlike the dev loss, whose pointwise part (how likely the query is at
 * all) can fall while the ranking gets worse.
 */
public final class RankingValidation {
  /** The measure {@link Selection#RANKING} keeps the best adapter by. */
  public static final String SELECTED = "dev_ndcg@10";

  private static final RankMeasure NDCG10 = RankMeasure.parse("nDCG@10", 1);
  private static final RankMeasure RR10 = RankMeasure.parse("RR@10", 1);
  private static final RankMeasure HIT1 = RankMeasure.parse("Hit@1", 1);

  private RankingValidation() {}

  /**
   * Mean {@code dev_ndcg@10}, {@code dev_mrr@10} and {@code dev_hit@1} over {@code dev}, scoring in
   * passes of {@link LanguageModel#DEFAULT_BATCH_TOKENS} tokens.
   */
  public static Map<String, Double> evaluate(PeftModel model, List<TrainingExample> dev) {
    List<PeftModel.Prepared> pairs = new ArrayList<>();
    List<List<Passage>> lists = new ArrayList<>();
    for (TrainingExample e : dev) {
      Set<String> seen = new LinkedHashSet<>();
      List<Passage> candidates = new ArrayList<>();
      Set<String> positive = new LinkedHashSet<>();
      for (Passage p : e.positives()) positive.add(p.docid());
      for (Passage p : e.hardNegatives())
        if (!positive.contains(p.docid()) && seen.add(p.docid())) candidates.add(p);
      for (Passage p : e.positives()) if (seen.add(p.docid())) candidates.add(p);
      for (Passage p : candidates) pairs.add(model.prepare(e.query(), p));
      lists.add(candidates);
    }
    double[] scores = model.score(pairs, LanguageModel.DEFAULT_BATCH_TOKENS);
    double ndcg = 0;
    double rr = 0;
    double hit1 = 0;
    int at = 0;
    for (int q = 0; q < dev.size(); q++) {
      List<Passage> candidates = lists.get(q);
      Map<String, Integer> judgments = new HashMap<>();
      for (Passage p : dev.get(q).positives()) judgments.put(p.docid(), 1);
      List<String> ranking = rank(candidates, scores, at);
      at += candidates.size();
      ndcg += NDCG10.evaluate(ranking, judgments);
      rr += RR10.evaluate(ranking, judgments);
      hit1 += HIT1.evaluate(ranking, judgments);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(SELECTED, ndcg / dev.size());
    out.put("dev_mrr@10", rr / dev.size());
    out.put("dev_hit@1", hit1 / dev.size());
    return out;
  }

  /** Docids by descending score; ties keep the candidate order. */
  private static List<String> rank(List<Passage> candidates, double[] scores, int offset) {
    Integer[] order = new Integer[candidates.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[offset + b], scores[offset + a]));
    List<String> out = new ArrayList<>(order.length);
    for (int i : order) out.add(candidates.get(i).docid());
    return out;
  }
}
