package io.qpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Qrels;
import io.qpeft.data.TrecRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases on src/test/resources/eval (qrels.txt, run-a.trec). In run-a, q1's ranking is
 * d3, d2, d1, d7 (d1 and d2 tie at 2.0; trec_eval breaks ties by docid descending and ignores the
 * rank column), grades d3=0, d2=1, d1=2, d7 unjudged, d4 (grade 1) not retrieved; q2's ranking is
 * d6 (unjudged), d5 (grade 1); q3 is judged but missing from the run; q4 is not judged.
 */
class RankMeasureTest {
  static final double EPS = 1e-12;
  static final Path DIR = Path.of("src/test/resources/eval");

  static Evaluation evaluate(String file, String measures, int threshold) {
    Map<String, List<String>> rankings = Rankings.fromRun(TrecRun.read(DIR.resolve(file)), file);
    return Evaluation.of(
        rankings,
        Qrels.read(DIR.resolve("qrels.txt")).asMap(),
        Measure.parseList(measures, threshold));
  }

  @Test
  void trecEvalTieBreakingIgnoresRankColumn() {
    Map<String, List<String>> r = Rankings.fromRun(TrecRun.read(DIR.resolve("run-a.trec")), "a");
    assertEquals(List.of("d3", "d2", "d1", "d7"), r.get("q1"));
    assertEquals(List.of("d6", "d5"), r.get("q2"));
  }

  @Test
  void perQueryValuesAgainstHandComputation() {
    Evaluation e =
        evaluate(
            "run-a.trec",
            "P@2,RR@10,R@2,R@10,AP,nDCG@3,nDCG@10,Success@1,Success@2,P@10,Recall@1,Recall@2,Hit@2",
            1);
    assertEquals(List.of("q1", "q2", "q3"), e.qids());
    assertEquals(1, e.missing());
    double log2of3 = 0.6309297535714575; // 1 / log2(3)
    double[][] expected = {
      {0.5, 0.5, 0}, // P@2
      {0.5, 0.5, 0}, // RR@10: first relevant at rank 2
      {1.0 / 3, 1, 0}, // R@2: q1 has 3 relevant judged (d1, d2, d4)
      {2.0 / 3, 1, 0}, // R@10
      {(0.5 + 2.0 / 3) / 3, 0.5, 0}, // AP: precision 1/2 at d2, 2/3 at d1, over R=3
      {0.5209090851403014, log2of3, 0}, // nDCG@3: (1/log2 3 + 2/2) / (2 + 1/log2 3 + 1/2)
      {0.5209090851403014, log2of3, 0}, // nDCG@10: the same, d7 is unjudged
      {0, 0, 0}, // Success@1
      {1, 1, 0}, // Success@2
      {0.2, 0.1, 0}, // P@10 divides by 10 although only 4 and 2 are retrieved
      {0, 0, Double.NaN}, // Recall@1 (paper): q3 has nothing relevant retrieved, undefined
      {0.5, 1, Double.NaN}, // Recall@2: 1 of the 2 relevant in q1's depth, 1 of 1 in q2's
      {1, 1, 0}, // Hit@2 == Success@2
    };
    for (int m = 0; m < expected.length; m++) {
      for (int q = 0; q < 3; q++) {
        assertEquals(
            expected[m][q],
            e.values()[m][q],
            EPS,
            e.measures().get(m).name() + " " + e.qids().get(q));
      }
    }
    assertEquals(1.0 / 3, e.mean(0), EPS);
    assertEquals(0.3839462795705863, e.mean(5), EPS);
    assertEquals(0.75, e.mean(11), EPS, "Recall@2 averages over the 2 queries where it is defined");
    assertEquals(2, e.defined(11));
  }

  @Test
  void gradeTwoThresholdAndGains() {
    Evaluation e = evaluate("run-a.trec", "RR,P@3,nDCG@3", 2);
    assertEquals(1.0 / 3, e.values()[0][0], EPS, "only d1 (grade 2) is relevant at threshold 2");
    assertEquals(0, e.values()[0][1], EPS);
    assertEquals(1.0 / 3, e.values()[1][0], EPS);
    assertEquals(0.5209090851403014, e.values()[2][0], EPS, "nDCG gains are grades, no threshold");
  }

  @Test
  void pairedComparisonBetweenRuns() {
    Evaluation a = evaluate("run-a.trec", "RR@10", 1);
    Evaluation b = evaluate("run-b.trec", "RR@10", 1);
    assertEquals(
        List.of(0.5, 0.5, 0.0), List.of(a.values()[0][0], a.values()[0][1], a.values()[0][2]));
    assertEquals(
        List.of(1.0, 1.0, 0.0), List.of(b.values()[0][0], b.values()[0][1], b.values()[0][2]));
    // differences 0.5, 0.5, 0: mean 1/3, sd 0.288675, t = 2.0, df = 2 -> p = 1 - 2/sqrt(6)
    assertEquals(1 - 2 / Math.sqrt(6), b.pValue(0, a), 1e-12);
  }

  @Test
  void parsingNamesAndErrors() {
    assertEquals("nDCG@10", RankMeasure.parse("ndcg@10", 1).name());
    assertEquals("AP", RankMeasure.parse("map", 1).name());
    assertEquals("RR", RankMeasure.parse("RR", 1).name());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RankMeasure.parse("F1@3", 1));
    assertTrue(
        e.getMessage()
            .startsWith(
                "unknown measure 'F1@3'; known: [nDCG, RR, R, P, AP, Success, Hit, Recall]"));
    assertThrows(IllegalArgumentException.class, () -> RankMeasure.parse("P", 1));
    assertThrows(IllegalArgumentException.class, () -> RankMeasure.parse("P@x", 1));
  }

  @Test
  void duplicateDocumentInRunIsAnError() {
    var run =
        Map.of(
            "q",
            List.of(
                new io.qpeft.data.RunEntry("q", "d", 1, 1),
                new io.qpeft.data.RunEntry("q", "d", 2, 0)));
    assertThrows(IllegalArgumentException.class, () -> Rankings.fromRun(run, "r"));
  }
}
