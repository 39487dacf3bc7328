package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.qpeft.model.TransformerLm;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Q-PEFT-A: multi-head attention (Vaswani et al., 2017) with the query tokens as queries (rows of
 * the learnable embedding copy) and the passage tokens as keys and values (rows of the frozen input
 * embeddings), then the MLP: one hint per query token.
 *
 * <pre>
 *   Q = E_learn[q] Wq^T + bq,  K = E[p] Wk^T + bk,  V = E[p] Wv^T + bv        split into h heads
 *   S = Q K^T / sqrt(d/h)   or, cosine,   S = tau * cos(Q, K)                 (h, |q|, |p|)
 *   A = dropout(softmax(S))
 *   hints = MLP((A V) Wo^T + bo)                                                (|q|, d)
 * </pre>
 *
 * Pairs are processed one by one, so there is no padding; special passage tokens are masked by
 * leaving them out of the keys. Parameter names follow PyTorch's attention projections. With the
 * identity initialisation, cosine scores and the residual MLP, an untrained module's hint for a
 * query token that the passage holds is that token's own embedding.
 */
public final class AttentionModule implements QueryDependentModule {
  public static final String WQ = "attention.q_proj.weight";
  public static final String BQ = "attention.q_proj.bias";
  public static final String WK = "attention.k_proj.weight";
  public static final String BK = "attention.k_proj.bias";
  public static final String WV = "attention.v_proj.weight";
  public static final String BV = "attention.v_proj.bias";
  public static final String WO = "attention.out_proj.weight";
  public static final String BO = "attention.out_proj.bias";

  private final TransformerLm lm;
  private final TokenFilter filter;
  private final PeftConfig config;

  public AttentionModule(TransformerLm lm, TokenFilter filter, PeftConfig config) {
    int d = lm.config().hiddenSize();
    if (d % config.heads() != 0) {
      throw new IllegalArgumentException(
          "--heads " + config.heads() + " must divide the model's hidden_size " + d);
    }
    this.lm = lm;
    this.filter = filter;
    this.config = config;
  }

  @Override
  public List<String> parameterNames() {
    return List.of(
        ParameterSet.EMBEDDING, WQ, BQ, WK, BK, WV, BV, WO, BO, Mlp.W1, Mlp.B1, Mlp.W2, Mlp.B2);
  }

  /** The query side (embedding copy, q/k projections) decides where the attention looks. */
  @Override
  public boolean isMatching(String name) {
    return name.equals(ParameterSet.EMBEDDING)
        || name.equals(WQ)
        || name.equals(BQ)
        || name.equals(WK)
        || name.equals(BK);
  }

  /**
   * Projections per {@link PeftConfig#attentionInit()}, zero biases, the output projection as
   * PyTorch's Linear (identity when the init is identity); then the MLP.
   */
  @Override
  public Map<String, Tensor> initialParameters(int d, Rng rng) {
    Map<String, Tensor> out = new TreeMap<>();
    AttentionInit init = config.attentionInit();
    double bound = Math.sqrt(6.0 / (init == AttentionInit.XAVIER_PACKED ? 4 * d : 2 * d));
    for (String[] wb : new String[][] {{WQ, BQ}, {WK, BK}, {WV, BV}}) {
      Tensor w = Mlp.uniform(rng, bound, d, d); // drawn for every init: the same stream after
      out.put(wb[0], init == AttentionInit.IDENTITY ? identity(d) : w);
      out.put(wb[1], Tensor.zeros(d));
    }
    Tensor wo = Mlp.uniform(rng, 1 / Math.sqrt(d), d, d);
    out.put(WO, init == AttentionInit.IDENTITY ? identity(d) : wo);
    out.put(BO, Tensor.zeros(d));
    Mlp.init(out, d, rng, config.residualMlp());
    return out;
  }

  private static Tensor identity(int d) {
    Tensor t = Tensor.zeros(d, d);
    for (int i = 0; i < d; i++) t.data()[i * d + i] = 1f;
    return t;
  }

  @Override
  public Input prepare(int[] queryIds, int[] passageIds) {
    int[] keys = Arrays.stream(passageIds).filter(id -> !filter.isSpecial(id)).toArray();
    return new Input(queryIds, keys, new int[0]);
  }

  @Override
  public int[] embeddingRows(Input in) {
    return in.queryIds();
  }

  @Override
  public int hintCount(Input in) {
    return in.queryIds().length;
  }

  @Override
  public NDArray hints(Binding b, Input in, Rng dropout) {
    int d = lm.config().hiddenSize();
    int h = config.heads();
    int nq = in.queryIds().length;
    int np = in.passageIds().length;
    NDArray attended;
    if (np == 0) {
      attended = b.manager().zeros(new Shape(nq, d)); // nothing to attend to: the output is bo
    } else {
      NDArray a = attention(b, in); // (h, nq, np)
      if (dropout != null && config.dropout() > 0) {
        float keep = (float) (1 / (1 - config.dropout()));
        float[] mask = new float[h * nq * np];
        for (int i = 0; i < mask.length; i++)
          mask[i] = dropout.nextDouble() < config.dropout() ? 0f : keep;
        a = a.mul(b.manager().create(mask, new Shape(h, nq, np)));
      }
      NDArray v = Linear.linear(frozen(b, in), b.get(WV), b.get(BV)).singletonOrThrow(); // (np, d)
      NDArray vh = v.reshape(np, h, d / h).transpose(1, 0, 2); // (h, np, hd)
      attended = a.matMul(vh).transpose(1, 0, 2).reshape(nq, d); // (nq, d)
    }
    NDArray o = Linear.linear(attended, b.get(WO), b.get(BO)).singletonOrThrow(); // (nq, d)
    return Mlp.forward(b, o, config.residualMlp());
  }

  /** The attention weights {@code (heads, |q|, |p|)} before dropout; the passage must have keys. */
  @Override
  public NDArray attention(Binding b, Input in) {
    int d = lm.config().hiddenSize();
    int h = config.heads();
    int hd = d / h;
    int nq = in.queryIds().length;
    int np = in.passageIds().length;
    NDArray x = b.embed(in.queryIds()); // (nq, d)
    NDArray q = Linear.linear(x, b.get(WQ), b.get(BQ)).singletonOrThrow(); // (nq, d)
    NDArray k = Linear.linear(frozen(b, in), b.get(WK), b.get(BK)).singletonOrThrow(); // (np, d)
    NDArray qh = q.reshape(nq, h, hd).transpose(1, 0, 2); // (h, nq, hd)
    NDArray kh = k.reshape(np, h, hd).transpose(1, 0, 2); // (h, np, hd)
    NDArray scores;
    if (config.attentionScore() == AttentionScore.COSINE) {
      NDArray tau = b.manager().create((float) config.attentionTemperature());
      scores = unit(b, qh).matMul(unit(b, kh).transpose(0, 2, 1)).mul(tau); // (h, nq, np)
    } else {
      NDArray scale = b.manager().create((float) (1 / Math.sqrt(hd)));
      scores = qh.matMul(kh.transpose(0, 2, 1)).mul(scale); // (h, nq, np)
    }
    return scores.softmax(2);
  }

  /** Rows scaled to unit length along the last axis (a tiny epsilon keeps zero rows finite). */
  private static NDArray unit(Binding b, NDArray x) {
    NDArray eps = b.manager().create(1e-12f);
    return x.div(x.mul(x).sum(new int[] {2}, true).add(eps).sqrt());
  }

  /** The frozen input embeddings of the passage keys, {@code (|p|, d)}. */
  private NDArray frozen(Binding b, Input in) {
    return lm.tokenEmbeddings(b.manager(), in.passageIds())
        .toType(DataType.FLOAT32, false); // frozen (an F16 table needs no gradient)
  }
}
