package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReciprocalRankFusionTest {
  static List<Candidate> ranking(String... ids) {
    return java.util.Arrays.stream(ids)
        .map(id -> new Candidate(new Passage(id, "text " + id), 0))
        .toList();
  }

  static List<String> ids(List<Candidate> cs) {
    return cs.stream().map(Candidate::docid).toList();
  }

  @Test
  void handCase() {
    // a: ranks 1 and 3 -> 1/61 + 1/63; b: 2 and 1 -> 1/62 + 1/61; c: 3 -> 1/63; d: 2 -> 1/62
    List<Candidate> fused =
        ReciprocalRankFusion.fuse(List.of(ranking("a", "b", "c"), ranking("b", "d", "a")), 60, 10);
    assertEquals(List.of("b", "a", "d", "c"), ids(fused));
    assertEquals(1 / 62.0 + 1 / 61.0, fused.get(0).score(), 1e-15);
    assertEquals(1 / 61.0 + 1 / 63.0, fused.get(1).score(), 1e-15);
    assertEquals(1 / 62.0, fused.get(2).score(), 1e-15);
    assertEquals(1 / 63.0, fused.get(3).score(), 1e-15);
  }

  @Test
  void tiesBreakByDocidAndHitsTruncate() {
    // x and y both at rank 1 of one list: equal scores, docid order
    List<Candidate> fused = ReciprocalRankFusion.fuse(List.of(ranking("y"), ranking("x")), 60, 10);
    assertEquals(List.of("x", "y"), ids(fused));
    assertEquals(
        List.of("b"),
        ids(ReciprocalRankFusion.fuse(List.of(ranking("a", "b"), ranking("b")), 0, 1)));
  }

  @Test
  void singleRankingKeepsOrderAndEmptyIsEmpty() {
    assertEquals(
        List.of("c", "a", "b"),
        ids(ReciprocalRankFusion.fuse(List.of(ranking("c", "a", "b")), 60, 5)));
    assertEquals(List.of(), ReciprocalRankFusion.fuse(List.of(List.of(), List.of()), 60, 5));
    assertThrows(IllegalArgumentException.class, () -> ReciprocalRankFusion.fuse(List.of(), -1, 5));
  }
}
