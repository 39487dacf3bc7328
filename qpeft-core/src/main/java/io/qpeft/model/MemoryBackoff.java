package io.qpeft.model;

import ai.djl.engine.EngineException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs token-budget batches and survives running out of memory: when the engine reports an
 * out-of-memory error for a batch, the budget is halved (for this call and every later one on the
 * same model) and the unfinished requests are planned again. Only a single sequence that does not
 * fit fails, with a line saying so. The requests of a batch are independent, so retrying them in
 * smaller batches gives the same results.
 */
final class MemoryBackoff {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryBackoff.class);

  /** Padded tokens per pass known to be too many, halved: the ceiling for later passes. */
  private volatile int cap = Integer.MAX_VALUE;

  /** Tests only: a pass of more padded tokens than this fails as if memory had run out. */
  private volatile int simulatedLimit = Integer.MAX_VALUE;

  /** The ceiling that out-of-memory errors have set so far ({@code MAX_VALUE}: none). */
  int cap() {
    return cap;
  }

  /** Makes every pass of more than {@code tokens} padded tokens fail with a simulated OOM. */
  void simulateOutOfMemoryAbove(int tokens) {
    simulatedLimit = tokens;
  }

  /**
   * Calls {@code forward} with batches (indices into {@code requests}) of at most {@code budget}
   * padded tokens (lowered by earlier out-of-memory errors) until every request has been through
   * one successful pass.
   */
  void run(List<ScoreRequest> requests, int budget, Consumer<int[]> forward) {
    Deque<int[]> queue = new ArrayDeque<>(Batching.plan(requests, Math.min(budget, cap)));
    while (!queue.isEmpty()) {
      int[] batch = queue.poll();
      int tokens = paddedTokens(requests, batch);
      try {
        if (tokens > simulatedLimit) {
          throw new EngineException(
              "CUDA out of memory (simulated: pass of " + tokens + " padded tokens)");
        }
        forward.accept(batch);
      } catch (RuntimeException e) {
        if (!isOutOfMemory(e)) throw e;
        if (batch.length == 1) {
          throw new IllegalArgumentException(
              "out of memory on a single sequence of "
                  + tokens
                  + " tokens: use a smaller model, --dtype f16, a shorter input, or a device with"
                  + " more memory ("
                  + e.getMessage()
                  + ")",
              e);
        }
        int lowered = Math.max(1, tokens / 2);
        cap = Math.min(cap, lowered);
        LOG.warn(
            String.format(
                Locale.ROOT,
                "out of memory in a pass of %d sequences (%d padded tokens); retrying with at"
                    + " most %d tokens per pass",
                batch.length,
                tokens,
                cap));
        // Re-plan this batch and everything not yet run under the lowered budget.
        List<Integer> left = new ArrayList<>();
        for (int i : batch) left.add(i);
        for (int[] b : queue) for (int i : b) left.add(i);
        queue.clear();
        List<ScoreRequest> sub = new ArrayList<>(left.size());
        for (int i : left) sub.add(requests.get(i));
        for (int[] b : Batching.plan(sub, cap)) {
          int[] mapped = new int[b.length];
          for (int k = 0; k < b.length; k++) mapped[k] = left.get(b[k]);
          queue.add(mapped);
        }
      }
    }
  }

  private static int paddedTokens(List<ScoreRequest> requests, int[] batch) {
    int longest = 0;
    for (int i : batch) longest = Math.max(longest, Batching.inputLength(requests.get(i)));
    return longest * batch.length;
  }

  /**
   * Whether {@code e} (or a cause) is the engine running out of memory: PyTorch's {@code CUDA out
   * of memory}, a cuBLAS allocation failure, or the CPU allocator's {@code not enough memory}.
   */
  static boolean isOutOfMemory(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) continue;
      String s = m.toLowerCase(Locale.ROOT);
      if (s.contains("out of memory")
          || s.contains("cublas_status_alloc_failed")
          || s.contains("not enough memory")
          || s.contains("can't allocate memory")) {
        return true;
      }
      if (t.getCause() == t) break;
    }
    return false;
  }
}
