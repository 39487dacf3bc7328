package io.qpeft.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.TransformerLm;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The machine's float32 matmul peak, measured on the GEMMs the model itself runs: for each distinct
 * block weight matrix (in x out), a (rows x in) by (in x out) product with rows = the token budget
 * of a forward pass, timed several times; the best run counts. This is the denominator of MFU: a
 * square matmul of another size can read lower than what the model's own shapes reach (it did here:
 * 138 GFLOP/s on 2048 x 2048 against up to 197 on GPT-2's shapes), which makes MFU read high. The
 * LM head is left out: scoring runs it on the target positions only, a few rows.
 */
final class MatmulPeak {
  /** Products per timed run on a GPU. */
  static final int GPU_REPEATS = 10;

  private MatmulPeak() {}

  /** One product (rows x in) by (in x out). */
  record Gemm(int rows, int in, int out) {
    double flops() {
      return 2.0 * rows * in * out;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%dx%d @ %dx%d", rows, in, in, out);
    }
  }

  /** The best speed of one GEMM, in FLOP/s. */
  record Result(Gemm gemm, double flopsPerSecond) {}

  /**
   * The distinct weight shapes of one transformer block, at {@code rows} rows: attention (GPT-2's
   * fused query/key/value, or Llama's separate q, k, v), output projection, and MLP. A family with
   * other weights (fused gate/up, ...) adds its shapes here.
   */
  static List<Gemm> blockGemms(ModelConfig c, int rows) {
    if (rows <= 0)
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + rows);
    int h = c.hiddenSize();
    int q = c.numAttentionHeads() * c.headDim();
    int kv = c.numKeyValueHeads() * c.headDim();
    Set<List<Integer>> shapes = new LinkedHashSet<>();
    if ("gpt2".equals(c.family())) {
      shapes.add(List.of(h, 3 * h)); // c_attn
      shapes.add(List.of(h, h)); // attention c_proj
    } else {
      shapes.add(List.of(h, q)); // q_proj
      shapes.add(List.of(h, kv)); // k_proj, v_proj
      shapes.add(List.of(q, h)); // o_proj
      shapes.add(List.of(h, c.intermediateSize())); // gate_proj, up_proj (GPT-2: c_fc)
    }
    if ("gpt2".equals(c.family())) shapes.add(List.of(h, c.intermediateSize())); // c_fc
    shapes.add(List.of(c.intermediateSize(), h)); // down_proj (GPT-2: mlp c_proj)
    List<Gemm> out = new ArrayList<>();
    for (List<Integer> s : shapes) out.add(new Gemm(rows, s.get(0), s.get(1)));
    return out;
  }

  /**
   * Each GEMM's best of {@code runs} timed runs (the first run warms up as well), on {@code lm}'s
   * device in its weights' dtype. On a GPU each timed run is {@value #GPU_REPEATS} products queued
   * back to back and one synchronisation (a scalar read back), so that launch and copy latencies do
   * not count; on the CPU one product, read back whole.
   */
  static List<Result> measure(List<Gemm> gemms, int runs, TransformerLm lm) {
    if (runs <= 0) throw new IllegalArgumentException("--peak-runs must be positive, got " + runs);
    boolean gpu = lm.placement().isGpu();
    DataType type = lm.placement().dtype().dataType();
    int repeats = gpu ? GPU_REPEATS : 1;
    List<Result> out = new ArrayList<>();
    try (NDManager m = lm.newManager()) {
      for (Gemm g : gemms) {
        try (NDManager sub = m.newSubManager()) {
          NDArray a = sub.randomNormal(0, 1, new Shape(g.rows(), g.in()), type);
          NDArray b = sub.randomNormal(0, 1, new Shape(g.in(), g.out()), type);
          double best = 0;
          for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            // a product's memory goes back to PyTorch's stream-ordered cache when it is closed,
            // so closing queued results early is safe and keeps one product's memory in use
            for (int r = 1; r < repeats; r++) a.matMul(b).close();
            try (NDArray c = a.matMul(b)) {
              if (gpu) {
                try (NDArray corner = c.get(0, 0)) {
                  corner.toType(DataType.FLOAT32, false).getFloat(); // waits for the queue
                }
              } else {
                c.toType(DataType.FLOAT32, false)
                    .toFloatArray(); // forces completion (F32: no copy)
              }
            }
            best = Math.max(best, repeats * g.flops() / ((System.nanoTime() - s) / 1e9));
          }
          out.add(new Result(g, best));
        }
      }
    }
    return out;
  }

  /** The highest of the measured speeds. */
  static double best(List<Result> results) {
    return results.stream().mapToDouble(Result::flopsPerSecond).max().orElseThrow();
  }
}
