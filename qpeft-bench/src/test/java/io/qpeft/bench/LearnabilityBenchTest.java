package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The learnability benchmark end to end at a tiny size, and its measure against hand-made rankings.
 */
class LearnabilityBenchTest {
  private static final Pattern ROW =
      Pattern.compile(
          "\\| (\\d+) \\| ([^|]+) \\| ([0-9.]+) \\| ([0-9.]+) \\| ([0-9-]+) \\| ([^|]+) \\| ([0-9.]+) \\|");

  static List<String[]> rows(String out) {
    List<String[]> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = ROW.matcher(line.strip());
      if (m.matches()) {
        String[] r = new String[7];
        for (int i = 0; i < 7; i++) r[i] = m.group(i + 1).strip();
        rows.add(r);
      }
    }
    return rows;
  }

  static BenchRun tiny(String seed) {
    return BenchRun.of(
        "bench-train",
        "--task",
        "learnability",
        "--model",
        BenchRun.TINY_LLAMA.toString(),
        "--sizes",
        "4,8",
        "--epochs",
        "1",
        "--test-queries",
        "5",
        "--dev-queries",
        "4",
        "--candidates",
        "12",
        "--words",
        "8",
        "--seed",
        seed);
  }

  @Test
  void endToEndTable() {
    BenchRun run = tiny("42");
    assertEquals(0, run.exitCode(), run.err());
    List<String[]> rows = rows(run.out());
    String[] methods = {
      "first-stage order", "UPR (zero-shot)", "prompt tuning", "Q-PEFT-R", "Q-PEFT-A"
    };
    assertEquals(10, rows.size(), run.out());
    for (int i = 0; i < rows.size(); i++) {
      String[] r = rows.get(i);
      assertEquals(i < 5 ? "4" : "8", r[0]);
      assertEquals(methods[i % 5], r[1]);
      for (int c : new int[] {2, 3}) {
        double v = Double.parseDouble(r[c]);
        assertTrue(v >= 0 && v <= 1, "measure out of [0, 1]: " + String.join(" | ", r));
      }
      assertEquals(i % 5 < 2 ? "-" : "1", r[4], "epochs trained");
    }
    // the untrained rows do not depend on the training size
    assertArrayEquals(
        List.of(rows.get(0)[2], rows.get(0)[3], rows.get(1)[2], rows.get(1)[3]).toArray(),
        List.of(rows.get(5)[2], rows.get(5)[3], rows.get(6)[2], rows.get(6)[3]).toArray());
    assertTrue(run.out().contains("peak RSS"), run.out());
    // the first-stage row is the seeded task's random order, measured independently here
    try (TransformerLm lm = Models.load(BenchRun.TINY_LLAMA);
        TextTokenizer tok = TextTokenizer.load(BenchRun.TINY_LLAMA)) {
      LearnabilityTask t =
          LearnabilityTask.generate(
              tok, lm.config(), new LearnabilityTask.Shape(8, 4, 5, 12, 8, false), 42);
      double[] m = new LearnabilityBench(lm, tok, t, null, null).measure(firstStage(t));
      assertEquals(String.format(Locale.ROOT, "%.3f", m[0]), rows.get(0)[2]);
      assertEquals(String.format(Locale.ROOT, "%.3f", m[1]), rows.get(0)[3]);
    }
  }

  @Test
  void firstStageRowIsReproducibleWithTheSeed() {
    LearnabilityTask a = LearnabilityTaskTest.task(11);
    LearnabilityTask b = LearnabilityTaskTest.task(11);
    LearnabilityBench.Settings none = null;
    double[] ma = new LearnabilityBench(null, null, a, none, null).measure(firstStage(a));
    double[] mb = new LearnabilityBench(null, null, b, none, null).measure(firstStage(b));
    assertArrayEquals(ma, mb);
  }

  @Test
  void measureAgreesWithHandCountedRankings() {
    LearnabilityTask t = LearnabilityTaskTest.task(5);
    LearnabilityBench bench = new LearnabilityBench(null, null, t, null, null);
    // relevant candidates scored highest: every query hits, and recall is complete
    List<double[]> oracle = new ArrayList<>();
    List<double[]> worst = new ArrayList<>();
    for (LearnabilityTask.TestQuery q : t.test()) {
      double[] best = new double[q.candidates().size()];
      double[] bad = new double[q.candidates().size()];
      for (int i = 0; i < best.length; i++) {
        boolean rel = q.relevant().contains(q.candidates().get(i).docid());
        best[i] = rel ? 1 : 0;
        bad[i] = rel ? 0 : 1;
      }
      oracle.add(best);
      worst.add(bad);
    }
    assertArrayEquals(new double[] {1, 1}, bench.measure(oracle));
    // 12 candidates, relevant ones last: with 1 relevant it is rank 12 (miss); with 2, ranks 11 and
    // 12 (miss)
    assertArrayEquals(new double[] {0, 0}, bench.measure(worst));
  }

  private static List<double[]> firstStage(LearnabilityTask t) {
    List<double[]> out = new ArrayList<>();
    for (LearnabilityTask.TestQuery q : t.test()) {
      double[] s = new double[q.candidates().size()];
      for (int i = 0; i < s.length; i++) s[i] = -i;
      out.add(s);
    }
    return out;
  }
}
