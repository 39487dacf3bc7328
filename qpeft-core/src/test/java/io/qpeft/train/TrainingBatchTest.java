package io.qpeft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingBatchTest {
  private static TrainingExample ex(String q, String pos, String hard) {
    return new TrainingExample(
        new Query(q, q), List.of(new Passage(pos, pos)), List.of(new Passage(hard, hard)));
  }

  @Test
  void negativesAreOtherPositivesAndAllHardNegatives() {
    TrainingBatch b =
        TrainingBatch.of(
            List.of(ex("a", "pa", "ha"), ex("b", "pb", "hb")), TrainConfig.defaults(), null);
    // query a: pa (positive), pb, ha, hb ; query b: pb, pa, ha, hb
    assertEquals(8, b.size());
    assertArrayEquals(new int[] {0, 4}, b.positives());
    assertEquals(
        List.of("pa", "pb", "ha", "hb", "pb", "pa", "ha", "hb"),
        b.passages().stream().map(Passage::docid).toList());
    assertEquals(6, b.pairs().length);
  }

  @Test
  void aSharedPositiveIsNeverANegative() {
    TrainingBatch b =
        TrainingBatch.of(
            List.of(ex("a", "p", "ha"), ex("b", "p", "hb")), TrainConfig.defaults(), null);
    assertEquals(6, b.size()); // each query: p, ha, hb
  }

  /**
   * Hand-computed: L = [1, 2, 0.2], pairs (0,1), (0,2), margin 0.5 -> hinge mean(0, 1.3) +
   * pointwise 1.
   */
  @Test
  void lossMatchesHandComputation() {
    TrainingBatch b =
        new TrainingBatch(
            List.of(),
            List.of(new Passage("x", ""), new Passage("y", ""), new Passage("z", "")),
            new int[] {0},
            new int[][] {{0, 1}, {0, 2}});
    try (NDManager m = NDManager.newBaseManager()) {
      float loss =
          b.loss(m, m.create(new float[] {1f, 2f, 0.2f}), TrainConfig.defaults()).getFloat();
      assertEquals(0.65 + 1.0, loss, 1e-6);
    }
  }

  /**
   * The official step granularity: the batch's pairs in order, two per part; each part holds its
   * pairs' sequences and counts each pair's positive in the pointwise term.
   */
  @Test
  void splitsPairsInOrderTwoPerPart() {
    TrainingBatch b =
        TrainingBatch.of(
            List.of(ex("a", "pa", "ha"), ex("b", "pb", "hb")), TrainConfig.defaults(), null);
    List<TrainingBatch> parts = b.split(2);
    assertEquals(3, parts.size()); // 6 pairs
    TrainingBatch first = parts.get(0); // (pa, pb), (pa, ha) for query a
    assertEquals(List.of("pa", "pb", "ha"), first.passages().stream().map(Passage::docid).toList());
    assertArrayEquals(new int[] {0, 0}, first.positives());
    assertArrayEquals(new int[] {0, 2}, first.pairs()[1]);
    TrainingBatch second = parts.get(1); // (pa, hb) for a, (pb, pa) for b
    assertEquals(
        List.of("pa", "hb", "pb", "pa"), second.passages().stream().map(Passage::docid).toList());
    assertEquals(List.of("a", "a", "b", "b"), second.queries().stream().map(Query::qid).toList());
    int pairs = parts.stream().mapToInt(p -> p.pairs().length).sum();
    assertEquals(b.pairs().length, pairs);
  }
}
