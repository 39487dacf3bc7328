package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Passage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.junit.jupiter.api.Test;

class SyntheticCorpusTest {
  @Test
  void wordsAreDistinctAndNeverStopWords() {
    Set<String> seen = new HashSet<>();
    for (int r = 0; r < 20_000; r++) {
      String w = SyntheticCorpus.word(r);
      assertTrue(w.length() >= 4, w);
      assertTrue(seen.add(w), "duplicate " + w);
      assertFalse(EnglishAnalyzer.ENGLISH_STOP_WORDS_SET.contains(w), w);
    }
  }

  @Test
  void seededAndZipfShaped() {
    SyntheticCorpus c = SyntheticCorpus.pseudoWords(1000, 1.0);
    List<Passage> a = new ArrayList<>();
    c.passages(300, 20, 5).forEachRemaining(a::add);
    List<Passage> b = new ArrayList<>();
    c.passages(300, 20, 5).forEachRemaining(b::add);
    assertEquals(a, b);
    assertEquals("p299", a.get(299).docid());
    Map<String, Integer> freq = new HashMap<>();
    for (Passage p : a) for (String w : p.text().split(" ")) freq.merge(w, 1, Integer::sum);
    // Zipf with s = 1: rank 1 about twice as frequent as rank 2, ten times rank 10
    double f1 = freq.get(SyntheticCorpus.word(0)), f2 = freq.get(SyntheticCorpus.word(1));
    double f10 = freq.get(SyntheticCorpus.word(9));
    assertEquals(2.0, f1 / f2, 0.4);
    assertEquals(10.0, f1 / f10, 3.0);
    // query words skip the most frequent ranks
    Set<String> top = new HashSet<>();
    for (int r = 0; r < SyntheticCorpus.QUERY_SKIP; r++) top.add(SyntheticCorpus.word(r));
    c.queries(200, 1)
        .forEach(
            q -> {
              for (String w : q.text().split(" ")) assertFalse(top.contains(w), w);
            });
  }

  @Test
  void aWordListWithExponentZeroIsDrawnUniformly() {
    SyntheticCorpus c = SyntheticCorpus.of(List.of("a", "b", "c", "d"), 0);
    Map<String, Integer> freq = new HashMap<>();
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
    String text = c.text(rnd, 40_000);
    assertEquals(40_000, text.split(" ").length);
    for (String w : text.split(" ")) freq.merge(w, 1, Integer::sum);
    assertEquals(4, freq.size());
    for (int n : freq.values()) assertEquals(10_000, n, 400);
    // a vocabulary smaller than QUERY_SKIP still gives queries, from its rarest word
    c.queries(5, 1).forEach(q -> assertTrue(q.text().matches("d( d)*"), q.text()));
  }

  @Test
  void benchCommandRunsOnATinyCorpus() {
    BenchRun r =
        BenchRun.of(
            "bench-retrieval",
            "--passages",
            "400",
            "--reference-passages",
            "200",
            "--queries",
            "20",
            "--dense-passages",
            "0",
            "--threads",
            "2");
    assertEquals(0, r.exitCode(), r.err());
    for (String row :
        List.of(
            "generator alone",
            "BM25 index, 1 thread, 200 passages",
            "BM25 index, 2 threads, 400 passages",
            "BM25 search, 1 thread, 100 hits",
            "BM25 search, 2 threads",
            "memory: peak heap")) {
      assertTrue(r.out().contains(row), row + " missing from:\n" + r.out());
    }
  }
}
