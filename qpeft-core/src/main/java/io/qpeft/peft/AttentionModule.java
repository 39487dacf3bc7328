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
 *   A = dropout(softmax(Q K^T / sqrt(d/h)))                                     (h, |q|, |p|)
 *   hints = MLP((A V) Wo^T + bo)                                                (|q|, d)
 * </pre>
 *
 * Pairs are processed one by one, so there is no padding; special passage tokens are masked by
 * leaving them out of the keys. Parameter names follow PyTorch's attention projections.
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

  /**
   * As PyTorch's MultiheadAttention: Xavier-uniform projections, zero biases; then the MLP's
   * default.
   */
  @Override
  public Map<String, Tensor> initialParameters(int d, Rng rng) {
    Map<String, Tensor> out = new TreeMap<>();
    double xavier = Math.sqrt(6.0 / (d + d));
    for (String[] wb : new String[][] {{WQ, BQ}, {WK, BK}, {WV, BV}}) {
      out.put(wb[0], Mlp.uniform(rng, xavier, d, d));
      out.put(wb[1], Tensor.zeros(d));
    }
    out.put(WO, Mlp.uniform(rng, 1 / Math.sqrt(d), d, d));
    out.put(BO, Tensor.zeros(d));
    Mlp.init(out, d, rng);
    return out;
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
    int hd = d / h;
    int nq = in.queryIds().length;
    int np = in.passageIds().length;
    NDArray x = b.embed(in.queryIds()); // (nq, d)
    NDArray q = Linear.linear(x, b.get(WQ), b.get(BQ)).singletonOrThrow(); // (nq, d)
    NDArray attended;
    if (np == 0) {
      attended = b.manager().zeros(new Shape(nq, d)); // nothing to attend to: the output is bo
    } else {
      NDArray p =
          lm.tokenEmbeddings(b.manager(), in.passageIds())
              .toType(DataType.FLOAT32, false); // (np, d), frozen (F16 table: no gradient needed)
      NDArray k = Linear.linear(p, b.get(WK), b.get(BK)).singletonOrThrow(); // (np, d)
      NDArray v = Linear.linear(p, b.get(WV), b.get(BV)).singletonOrThrow(); // (np, d)
      NDArray qh = q.reshape(nq, h, hd).transpose(1, 0, 2); // (h, nq, hd)
      NDArray kh = k.reshape(np, h, hd).transpose(1, 2, 0); // (h, hd, np)
      NDArray vh = v.reshape(np, h, hd).transpose(1, 0, 2); // (h, np, hd)
      NDArray scale = b.manager().create((float) (1 / Math.sqrt(hd)));
      NDArray a = qh.matMul(kh).mul(scale).softmax(2); // (h, nq, np)
      if (dropout != null && config.dropout() > 0) {
        float keep = (float) (1 / (1 - config.dropout()));
        float[] mask = new float[h * nq * np];
        for (int i = 0; i < mask.length; i++)
          mask[i] = dropout.nextDouble() < config.dropout() ? 0f : keep;
        a = a.mul(b.manager().create(mask, new Shape(h, nq, np)));
      }
      attended = a.matMul(vh).transpose(1, 0, 2).reshape(nq, d); // (nq, d)
    }
    NDArray o = Linear.linear(attended, b.get(WO), b.get(BO)).singletonOrThrow(); // (nq, d)
    return Mlp.forward(b, o);
  }
}
