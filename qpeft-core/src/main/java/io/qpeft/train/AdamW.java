package io.qpeft.train;

import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), as PyTorch's
 * {@code torch.optim.AdamW} computes it, on Java arrays:
 *
 * <pre>
 *   t += 1;  p -= lr * wd * p
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * The update is dense: rows of the embedding copy without a gradient this step still decay and
 * follow their momentum, exactly as PyTorch's dense AdamW. State (m, v, t) is plain arrays, so a
 * checkpoint restores it bit for bit.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final Map<String, float[]> m = new LinkedHashMap<>();
  private final Map<String, float[]> v = new LinkedHashMap<>();
  private long t;

  public AdamW(double beta1, double beta2, double eps, double weightDecay) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0)) throw new IllegalArgumentException("eps must be positive, got " + eps);
    if (!(weightDecay >= 0))
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /** One step on every trainable parameter of {@code params} with gradients {@code grads}. */
  public void step(ParameterSet params, Map<String, float[]> grads, double lr) {
    step(params, grads, name -> lr);
  }

  /**
   * One step with a learning rate per parameter (parameter groups, as PyTorch's optimizer {@code
   * param_groups}): {@code lrOf.applyAsDouble(name)}.
   */
  public void step(
      ParameterSet params,
      Map<String, float[]> grads,
      java.util.function.ToDoubleFunction<String> lrOf) {
    t++;
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (String name : params.trainableNames()) {
      double lr = lrOf.applyAsDouble(name);
      float decay = (float) (1 - lr * weightDecay);
      float[] p = params.get(name).data();
      float[] g = grads.get(name);
      float[] mm = m.computeIfAbsent(name, k -> new float[p.length]);
      float[] vv = v.computeIfAbsent(name, k -> new float[p.length]);
      for (int i = 0; i < p.length; i++) {
        p[i] *= decay;
        mm[i] = (float) (beta1 * mm[i] + (1 - beta1) * g[i]);
        vv[i] = (float) (beta2 * vv[i] + (1 - beta2) * (double) g[i] * g[i]);
        p[i] -= (float) ((lr / bc1) * mm[i] / (Math.sqrt(vv[i]) / bc2Sqrt + eps));
      }
    }
  }

  public long stepCount() {
    return t;
  }

  /** The state as tensors {@code adam.m.<name>}, {@code adam.v.<name>} (for checkpoints). */
  public Map<String, Tensor> state(ParameterSet params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : params.trainableNames()) {
      int[] shape = params.get(name).shape();
      int n = params.get(name).data().length;
      out.put("adam.m." + name, new Tensor(shape, m.getOrDefault(name, new float[n]).clone()));
      out.put("adam.v." + name, new Tensor(shape, v.getOrDefault(name, new float[n]).clone()));
    }
    return out;
  }

  public void restore(Map<String, Tensor> tensors, ParameterSet params, long steps) {
    for (String name : params.trainableNames()) {
      Tensor tm = tensors.get("adam.m." + name);
      Tensor tv = tensors.get("adam.v." + name);
      if (tm == null || tv == null)
        throw new IllegalArgumentException("checkpoint lacks optimizer state of " + name);
      m.put(name, tm.data().clone());
      v.put(name, tv.data().clone());
    }
    t = steps;
  }
}
