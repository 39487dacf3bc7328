package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.qpeft.model.TransformerLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Q-PEFT-R: each passage token scores its best cosine similarity to any query token; the {@code k}
 * best distinct tokens (special tokens, and optionally stop words and non-alphabetic tokens,
 * removed) are looked up in the learnable embedding copy and passed through the MLP, one hint per
 * token, in score order (ties: earlier passage position first).
 *
 * <p>The similarity uses the frozen input embeddings on both sides. Top-k selection is not
 * differentiable, so a learnable query side would receive no gradient through it; the frozen table
 * equals the learnable copy at initialisation and makes the selection a fixed function of the pair,
 * computed once per pair. Gradients reach the selected rows of the embedding copy and the MLP.
 * ({@link PeftConfig#trainableQuerySide()} reproduces the official code, which takes the query side
 * from the trainable copy: there the selection drifts as the copy trains, though no gradient asks
 * it to. {@link PeftConfig#resample()} fills up to k as the official code does.)
 */
public final class RetrievalModule implements QueryDependentModule {
  /** Float rounding of a cosine computed from rows (a near-duplicate row may read 1 - 1e-7). */
  private static final double SIMILARITY_SLACK = 1e-4;

  private final TransformerLm lm;
  private final TokenFilter filter;
  private final PeftConfig config;
  private final ParameterSet params; // the trainable copy, for trainableQuerySide; may be null

  public RetrievalModule(
      TransformerLm lm, TokenFilter filter, PeftConfig config, ParameterSet params) {
    this.lm = lm;
    this.filter = filter;
    this.config = config;
    this.params = params;
  }

  @Override
  public List<String> parameterNames() {
    return List.of(ParameterSet.EMBEDDING, Mlp.W1, Mlp.B1, Mlp.W2, Mlp.B2);
  }

  @Override
  public Map<String, Tensor> initialParameters(int hidden, Rng rng) {
    Map<String, Tensor> out = new TreeMap<>();
    Mlp.init(out, hidden, rng, config.residualMlp());
    return out;
  }

  @Override
  public Input prepare(int[] queryIds, int[] passageIds) {
    return new Input(queryIds, passageIds, select(queryIds, passageIds));
  }

  /** The top-k distinct allowed passage tokens by max cosine similarity to the query tokens. */
  int[] select(int[] queryIds, int[] passageIds) {
    int[] q = Arrays.stream(queryIds).filter(id -> !filter.isSpecial(id)).toArray();
    List<Integer> positions = new ArrayList<>();
    for (int j = 0; j < passageIds.length; j++) {
      if (filter.allowed(passageIds[j], config.stopWords(), config.alphabeticOnly()))
        positions.add(j);
    }
    if (positions.isEmpty() && config.resample()) {
      // the official code: nothing passes the filters, so the filters are not applied
      for (int j = 0; j < passageIds.length; j++)
        if (!filter.isSpecial(passageIds[j])) positions.add(j);
    }
    if (q.length == 0 || positions.isEmpty()) return new int[0];
    int d = lm.config().hiddenSize();
    int[] p = positions.stream().mapToInt(j -> passageIds[j]).toArray();
    float[] qe;
    float[] pe;
    try (NDManager m = lm.newManager()) {
      qe = config.trainableQuerySide() ? trainableRows(q, d) : frozenRows(m, q).toFloatArray();
      pe = frozenRows(m, p).toFloatArray();
    }
    normalize(qe, d);
    normalize(pe, d);
    double[] score = new double[p.length];
    Set<Integer> queryTokens = Arrays.stream(q).boxed().collect(Collectors.toSet());
    for (int j = 0; j < p.length; j++) {
      if (!config.trainableQuerySide() && queryTokens.contains(p[j])) {
        score[j] = 1; // a token's cosine with itself, exactly: the query's tokens tie, in order
        continue;
      }
      double best = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < q.length; i++) {
        double dot = 0;
        for (int k = 0; k < d; k++) dot += (double) qe[i * d + k] * pe[j * d + k];
        best = Math.max(best, dot);
      }
      score[j] = best;
    }
    Integer[] order = new Integer[p.length];
    for (int j = 0; j < order.length; j++) order[j] = j;
    Arrays.sort(
        order,
        Comparator.comparingDouble((Integer j) -> -score[j])); // stable: position breaks ties
    Set<Integer> chosen = new LinkedHashSet<>();
    for (int j : order) {
      if (chosen.size() == config.topK() || score[j] < config.minSimilarity() - SIMILARITY_SLACK)
        break;
      chosen.add(p[j]);
    }
    int[] out = chosen.stream().mapToInt(Integer::intValue).toArray();
    if (config.resample() && out.length > 0 && out.length < config.topK()) {
      // draw with replacement up to k; seeded by the pair, so a pair always gets the same hints
      Rng rng = new Rng(31L * Arrays.hashCode(queryIds) + Arrays.hashCode(passageIds));
      int[] filled = Arrays.copyOf(out, config.topK());
      for (int i = out.length; i < filled.length; i++) filled[i] = out[rng.nextInt(out.length)];
      out = filled;
    }
    return out;
  }

  /** Rows of the trainable embedding copy (as they are now) for {@code ids}. */
  private float[] trainableRows(int[] ids, int d) {
    if (params == null)
      throw new IllegalStateException("the trainable query side needs the module's parameters");
    float[] table = params.get(ParameterSet.EMBEDDING).data();
    float[] out = new float[ids.length * d];
    for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * d, out, i * d, d);
    return out;
  }

  private NDArray frozenRows(NDManager m, int[] ids) {
    long[] idx = Arrays.stream(ids).asLongStream().toArray();
    return Embedding.embedding(m.create(idx), lm.inputEmbeddings(), SparseFormat.DENSE)
        .singletonOrThrow()
        .toType(DataType.FLOAT32, false); // the frozen table may be F16
  }

  private static void normalize(float[] rows, int d) {
    for (int r = 0; r < rows.length / d; r++) {
      double n = 0;
      for (int k = 0; k < d; k++) n += (double) rows[r * d + k] * rows[r * d + k];
      double inv = n > 0 ? 1 / Math.sqrt(n) : 0;
      for (int k = 0; k < d; k++) rows[r * d + k] *= (float) inv;
    }
  }

  @Override
  public int[] embeddingRows(Input in) {
    return in.selected();
  }

  @Override
  public int hintCount(Input in) {
    return in.selected().length;
  }

  @Override
  public NDArray hints(Binding b, Input in, Rng dropout) {
    NDArray e = b.embed(in.selected()); // (k, d) rows of the learnable copy
    return Mlp.forward(b, e, config.residualMlp()); // (k, d)
  }
}
