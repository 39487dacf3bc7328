package io.qpeft.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.peft.Rng;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The (query, passage) pairs of one optimizer step and the loss over them. Negatives of query i, as
 * in the Q-PEFT recipe: the positives of the other queries in the batch and the hard negatives of
 * every query in the batch, leaving out any passage that is one of query i's positives.
 *
 * @param queries the query of each pair
 * @param passages the passage of each pair
 * @param positives index of each query's positive pair
 * @param pairs (positive pair, negative pair) index pairs for the hinge loss
 */
public record TrainingBatch(
    List<Query> queries, List<Passage> passages, int[] positives, int[][] pairs) {

  /** Builds a batch; with {@code pick} the positive is drawn at random, else the first is used. */
  public static TrainingBatch of(List<TrainingExample> examples, TrainConfig cfg, Rng pick) {
    List<Passage> pos = new ArrayList<>();
    List<Passage> hard = new ArrayList<>();
    for (TrainingExample e : examples) {
      pos.add(e.positives().get(pick == null ? 0 : pick.nextInt(e.positives().size())));
      hard.addAll(
          e.hardNegatives().subList(0, Math.min(cfg.hardNegatives(), e.hardNegatives().size())));
    }
    List<Query> queries = new ArrayList<>();
    List<Passage> passages = new ArrayList<>();
    int[] positives = new int[examples.size()];
    List<int[]> pairs = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      TrainingExample e = examples.get(i);
      Set<String> relevant = new HashSet<>();
      for (Passage p : e.positives()) relevant.add(p.docid());
      positives[i] = passages.size();
      queries.add(e.query());
      passages.add(pos.get(i));
      List<Passage> negatives = new ArrayList<>();
      if (cfg.inBatchNegatives()) {
        for (int j = 0; j < examples.size(); j++) if (j != i) negatives.add(pos.get(j));
        negatives.addAll(hard);
      } else {
        negatives.addAll(
            e.hardNegatives().subList(0, Math.min(cfg.hardNegatives(), e.hardNegatives().size())));
      }
      Set<String> seen = new HashSet<>();
      for (Passage n : negatives) {
        if (relevant.contains(n.docid()) || !seen.add(n.docid())) continue;
        pairs.add(new int[] {positives[i], passages.size()});
        queries.add(e.query());
        passages.add(n);
      }
    }
    return new TrainingBatch(queries, passages, positives, pairs.toArray(new int[0][]));
  }

  public int size() {
    return passages.size();
  }

  /**
   * The batch's (positive, negative) pairs in order, {@code pairsPerPart} at a time, each part a
   * batch of its own (the official Q-PEFT code steps the optimizer once per part). A part holds the
   * sequences its pairs need; its pointwise term counts each pair's positive, as the official loss
   * does. A batch without pairs is returned whole.
   */
  public List<TrainingBatch> split(int pairsPerPart) {
    if (pairsPerPart <= 0)
      throw new IllegalArgumentException("pairs per part must be positive, got " + pairsPerPart);
    if (pairs.length == 0) return List.of(this);
    List<TrainingBatch> out = new ArrayList<>();
    for (int start = 0; start < pairs.length; start += pairsPerPart) {
      int end = Math.min(pairs.length, start + pairsPerPart);
      List<Query> qs = new ArrayList<>();
      List<Passage> ps = new ArrayList<>();
      java.util.Map<Integer, Integer> local = new java.util.HashMap<>();
      int[] pos = new int[end - start];
      int[][] pr = new int[end - start][];
      for (int k = start; k < end; k++) {
        int[] ab = new int[2];
        for (int side = 0; side < 2; side++) {
          ab[side] =
              local.computeIfAbsent(
                  pairs[k][side],
                  i -> {
                    qs.add(queries.get(i));
                    ps.add(passages.get(i));
                    return ps.size() - 1;
                  });
        }
        pos[k - start] = ab[0];
        pr[k - start] = ab;
      }
      out.add(new TrainingBatch(qs, ps, pos, pr));
    }
    return out;
  }

  /**
   * The loss from each pair's mean NLL {@code nll (size())}: pairwise = mean over pairs of
   * ReLU(L(q|d+) - L(q|d-) + margin), pointwise = mean over positives of L(q|d+). Selections are
   * matrix products with constant matrices, so autograd sees only matmul, add, ReLU and mean.
   */
  public NDArray loss(NDManager m, NDArray nll, TrainConfig cfg) {
    int n = size();
    NDArray column = nll.reshape(n, 1);
    NDArray total = null;
    if (cfg.loss() != LossType.POINTWISE && pairs.length > 0) {
      float[] diff = new float[pairs.length * n];
      for (int k = 0; k < pairs.length; k++) {
        diff[k * n + pairs[k][0]] += 1f;
        diff[k * n + pairs[k][1]] -= 1f;
      }
      NDArray d = m.create(diff, new Shape(pairs.length, n)).matMul(column); // (pairs, 1)
      NDArray margin = m.create((float) cfg.margin());
      total = Activation.relu(d.add(margin)).mean();
    }
    if (cfg.loss() != LossType.PAIRWISE) {
      float[] sel = new float[positives.length * n];
      for (int k = 0; k < positives.length; k++) sel[k * n + positives[k]] = 1f;
      NDArray point = m.create(sel, new Shape(positives.length, n)).matMul(column).mean();
      total = total == null ? point : total.add(point);
    }
    return total == null ? m.create(0f) : total;
  }
}
