package io.qpeft.model;

/**
 * The padded-token budget of one forward pass, derived from the device's free memory and the
 * model's shape. An estimate, on purpose on the safe side: an out-of-memory error still halves the
 * batch ({@link MemoryBackoff}), and {@code --batch-tokens} overrides it.
 *
 * <p>The inference forward pass frees each layer's intermediates before the next layer (one NDScope
 * per layer), so what grows with the batch is one layer's activations per token plus, for the rows
 * that predict a target token, their logits over the vocabulary:
 *
 * <pre>
 *   per token = e * (6 d + 4 q + 4 kv + 4 I + 2 heads * T)   one layer: residual, norms, q/k/v
 *                                                           and rotary copies, MLP, scores (T keys)
 *             + vocab * (e + 8) / 4                         logits (e) and their F32 log-softmax,
 *                                                           for at most a quarter of the rows
 * </pre>
 *
 * with e bytes per element, d hidden, q = heads x head_dim, kv = kv heads x head_dim, I the MLP
 * width and T = 512 keys. Half of the free memory is used (room for the allocator's fragmentation
 * and cuBLAS workspaces).
 */
public final class MemoryBudget {
  /** The CPU budget: measured with {@code qpeft-bench bench}, see {@link LanguageModel}. */
  public static final int CPU_TOKENS = LanguageModel.DEFAULT_BATCH_TOKENS;

  /** Bounds of a derived GPU budget. */
  public static final int MIN_TOKENS = 512;

  public static final int MAX_TOKENS = 32768;

  /** Keys per query assumed for the attention scores (UPR prompts stay below it). */
  static final int ASSUMED_KEYS = 512;

  private MemoryBudget() {}

  /** Bytes one padded token costs in one forward pass, by the formula above. */
  public static long bytesPerToken(ModelConfig c, DType dtype) {
    long e = dtype.bytes();
    long d = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long keys = Math.min(ASSUMED_KEYS, Math.max(1, c.maxPositionEmbeddings()));
    long layer =
        e
            * (6 * d
                + 4 * q
                + 4 * kv
                + 4L * c.intermediateSize()
                + 2L * c.numAttentionHeads() * keys);
    long logits = (long) c.vocabSize() * (e + 8) / 4;
    return layer + logits;
  }

  /**
   * The token budget for {@code freeBytes} of free device memory (after the weights are loaded),
   * rounded down to a multiple of 256 within [{@value #MIN_TOKENS}, {@value #MAX_TOKENS}].
   */
  public static int tokens(ModelConfig c, DType dtype, long freeBytes) {
    long usable = Math.max(0, freeBytes) / 2;
    long t = usable / bytesPerToken(c, dtype);
    t = Math.max(MIN_TOKENS, Math.min(MAX_TOKENS, t));
    return (int) (t / 256 * 256);
  }

  /**
   * The budget for a model on {@code placement}: {@link #CPU_TOKENS} on the CPU (measured there,
   * where larger passes ran slower); from free memory on a GPU, or {@value #MIN_TOKENS} times 4
   * when the CUDA runtime cannot report it.
   */
  public static int tokens(ModelConfig c, Placement placement) {
    if (!placement.isGpu()) return CPU_TOKENS;
    var free = placement.freeMemory();
    return free.isPresent() ? tokens(c, placement.dtype(), free.getAsLong()) : 4 * MIN_TOKENS;
  }
}
