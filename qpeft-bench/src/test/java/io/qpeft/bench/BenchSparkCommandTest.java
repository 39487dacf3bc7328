package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.RunEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The parts of {@code bench-spark} that run without Spark: option checks and the score comparison
 * (the Spark runs themselves are covered by qpeft-spark's tests of bin/qpeft-spark).
 */
class BenchSparkCommandTest {
  @Test
  void badOptionsAreOneLineErrors() {
    BenchRun r = BenchRun.of("bench-spark", "--repeat", "0");
    assertEquals(1, r.exitCode());
    assertEquals("qpeft-bench bench-spark: --repeat must be positive, got 0\n", r.err());
    r = BenchRun.of("bench-spark", "--launcher", "no/such/launcher");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("is not an executable"), r.err());
  }

  @Test
  void maxDifferenceComparesScoresByDocument() {
    Map<String, List<RunEntry>> a =
        Map.of("q", List.of(new RunEntry("q", "d1", 1, 2.0), new RunEntry("q", "d2", 2, 1.0)));
    Map<String, List<RunEntry>> b =
        Map.of("q", List.of(new RunEntry("q", "d2", 1, 1.5), new RunEntry("q", "d1", 2, 1.75)));
    assertEquals(0.5, BenchSparkCommand.maxDifference(a, b), 1e-12);
    Map<String, List<RunEntry>> missing = Map.of("q", List.of(new RunEntry("q", "d1", 1, 2.0)));
    assertThrows(IllegalStateException.class, () -> BenchSparkCommand.maxDifference(a, missing));
  }
}
