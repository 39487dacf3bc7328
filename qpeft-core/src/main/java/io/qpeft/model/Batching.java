package io.qpeft.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Groups requests into padded batches and lays a batch out as flat arrays for the forward pass.
 * Each sequence is {@code prompt (with soft segments spliced in) ++ target[0 .. n-2]}: the last
 * target token is never an input, only predicted.
 */
public final class Batching {
  private Batching() {}

  /** The number of input rows a request occupies. */
  static int inputLength(ScoreRequest r) {
    return r.length() - 1;
  }

  /**
   * Token-budget batching: requests sorted longest first (ties in input order), each batch as many
   * as fit in {@code budget} padded tokens (at least one). Returns indices into {@code requests}.
   */
  public static List<int[]> plan(List<ScoreRequest> requests, int budget) {
    Integer[] order = new Integer[requests.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> -inputLength(requests.get(i))));
    List<int[]> batches = new ArrayList<>();
    int start = 0;
    while (start < order.length) {
      int longest = inputLength(requests.get(order[start]));
      int count = Math.max(1, Math.min(order.length - start, budget / Math.max(1, longest)));
      int[] batch = new int[count];
      for (int k = 0; k < count; k++) batch[k] = order[start + k];
      batches.add(batch);
      start += count;
    }
    return batches;
  }

  /**
   * Flat arrays for one right-padded batch of {@code tokens} columns.
   *
   * @param ids token ids {@code (batch * tokens)}, 0 at soft slots and padding
   * @param tokenMask 0 at soft slots, 1 elsewhere
   * @param softSlots 0, or 1 + index of the soft row that fills the slot
   * @param predictRows for each target token, the flat row whose output predicts it
   * @param targetIds the target tokens, concatenated in request order
   */
  record Layout(
      int tokens,
      int softCount,
      long[] ids,
      float[] tokenMask,
      long[] softSlots,
      long[] predictRows,
      long[] targetIds) {}

  static Layout layout(List<ScoreRequest> requests) {
    int t = requests.stream().mapToInt(Batching::inputLength).max().orElse(0);
    int b = requests.size();
    long[] ids = new long[b * t];
    float[] mask = new float[b * t];
    Arrays.fill(mask, 1f);
    long[] slots = new long[b * t];
    int targets = requests.stream().mapToInt(r -> r.targetIds().length).sum();
    long[] rows = new long[targets];
    long[] targetIds = new long[targets];
    int soft = 0;
    int target = 0;
    for (int i = 0; i < b; i++) {
      ScoreRequest r = requests.get(i);
      int base = i * t;
      int pos = 0;
      int seg = 0;
      List<SoftSegment> segments = r.softSegments();
      int[] prompt = r.promptIds();
      for (int k = 0; k <= prompt.length; k++) {
        // soft segments inserted just before prompt[k] (k == prompt.length: after the prompt)
        while (seg < segments.size() && segments.get(seg).position() == k) {
          for (int v = 0; v < segments.get(seg).length(); v++) {
            mask[base + pos] = 0f;
            slots[base + pos] = ++soft; // 1-based: row 0 of the table is zeros
            pos++;
          }
          seg++;
        }
        if (k < prompt.length) ids[base + pos++] = prompt[k];
      }
      int m = pos; // rows before the target
      int[] y = r.targetIds();
      for (int j = 0; j < y.length; j++) {
        if (j < y.length - 1) ids[base + pos++] = y[j];
        rows[target] = base + m + j - 1;
        targetIds[target] = y[j];
        target++;
      }
    }
    return new Layout(t, soft, ids, mask, slots, rows, targetIds);
  }
}
