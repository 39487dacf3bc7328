package io.qpeft.train;

import ai.djl.ndarray.NDArray;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Diagnostics of a QD module on a few dev pairs, to tell apart why training does or does not learn
 * to rank:
 *
 * <ul>
 *   <li>{@code drift}: {@code ||E_learn - E|| / ||E||} (Frobenius) of the trainable embedding copy
 *       against the frozen table it started from;
 *   <li>{@code hint_gap}: mean over queries of {@code ||mean h(d+) - mean h(d-)|| / ||mean
 *       h(d+)||}, how much the hints of a positive and a hard negative differ (0: the module
 *       ignores the passage);
 *   <li>{@code attn_match} and {@code attn_uniform} (attention modules): for query tokens that the
 *       passage holds, the attention mass (mean over heads) on the keys with the same token id, and
 *       what uniform attention would put there.
 * </ul>
 */
public final class TrainingProbe {
  private TrainingProbe() {}

  /** The diagnostics on (up to) the first {@code limit} examples of {@code dev}. */
  public static Map<String, Double> measure(
      PeftModel model, NDArray frozenEmbeddings, List<TrainingExample> dev, int limit) {
    Map<String, Double> out = new LinkedHashMap<>();
    ParameterSet params = model.parameters();
    if (!params.contains(ParameterSet.EMBEDDING)) return out;
    out.put("drift", drift(params.get(ParameterSet.EMBEDDING).data(), frozenEmbeddings));
    double gap = 0;
    int gaps = 0;
    double match = 0;
    double uniform = 0;
    int matched = 0;
    int d = (int) frozenEmbeddings.getShape().get(1);
    for (TrainingExample e : dev.subList(0, Math.min(limit, dev.size()))) {
      PeftModel.Prepared pos = model.prepare(e.query(), e.positives().get(0));
      float[] hp = model.hintVectors(pos);
      if (!e.hardNegatives().isEmpty()) {
        float[] hn = model.hintVectors(model.prepare(e.query(), e.hardNegatives().get(0)));
        if (hp.length > 0 && hn.length > 0) {
          float[] mp = meanRow(hp, d);
          float[] mn = meanRow(hn, d);
          double norm = norm(mp);
          if (norm > 0) {
            gap += distance(mp, mn) / norm;
            gaps++;
          }
        }
      }
      float[] a = model.attentionWeights(pos);
      if (a != null) {
        int[] q = pos.input().queryIds();
        int[] keys = pos.input().passageIds();
        int heads = a.length / (q.length * keys.length);
        for (int i = 0; i < q.length; i++) {
          int same = 0;
          double mass = 0;
          for (int j = 0; j < keys.length; j++) {
            if (keys[j] != q[i]) continue;
            same++;
            for (int h = 0; h < heads; h++) mass += a[(h * q.length + i) * keys.length + j];
          }
          if (same == 0) continue;
          match += mass / heads;
          uniform += (double) same / keys.length;
          matched++;
        }
      }
    }
    if (gaps > 0) out.put("hint_gap", gap / gaps);
    if (matched > 0) {
      out.put("attn_match", match / matched);
      out.put("attn_uniform", uniform / matched);
    }
    return out;
  }

  private static double drift(float[] learned, NDArray frozen) {
    float[] f = frozen.toFloatArray();
    double diff = 0;
    double base = 0;
    for (int i = 0; i < f.length; i++) {
      double x = learned[i] - f[i];
      diff += x * x;
      base += (double) f[i] * f[i];
    }
    return base == 0 ? 0 : Math.sqrt(diff / base);
  }

  private static float[] meanRow(float[] rows, int d) {
    float[] m = new float[d];
    int n = rows.length / d;
    for (int r = 0; r < n; r++) for (int k = 0; k < d; k++) m[k] += rows[r * d + k] / n;
    return m;
  }

  private static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += (double) x * x;
    return Math.sqrt(s);
  }

  private static double distance(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) (a[i] - b[i]) * (a[i] - b[i]);
    return Math.sqrt(s);
  }
}
