package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Bm25RetrieverTest {
  @TempDir static Path tmp;
  static Path index;

  // token counts after analysis: d1 = 2, d2 = 3, d3 = 4, d4 = 2; N = 4, avgdl = 11 / 4
  static final List<Passage> CORPUS =
      List.of(
          new Passage("d1", "cat dog"),
          new Passage("d2", "cat cat fish"),
          new Passage("d3", "dog bird bird bird"),
          new Passage("d4", "fish bird"));

  @BeforeAll
  static void build() throws Exception {
    index = tmp.resolve("idx");
    LuceneIndexer.builder().setIndexDir(index).optThreads(1).build().index(CORPUS.iterator());
  }

  /** Hand BM25 with Lucene's idf and without the (k1 + 1) factor Lucene 9 leaves out. */
  static double bm25(double tf, double dl, double n, float k1, float b) {
    double numDocs = 4, avgdl = 11 / 4.0;
    double idf = Math.log(1 + (numDocs - n + 0.5) / (n + 0.5));
    return idf * tf / (tf + k1 * (1 - b + b * dl / avgdl));
  }

  @Test
  void scoresMatchHandComputedBm25() {
    float k1 = 0.9f, b = 0.4f;
    // "cat" in d1 (tf 1) and d2 (tf 2), "bird" in d3 (tf 3) and d4 (tf 1); each term has n = 2
    Map<String, Double> expected =
        Map.of(
            "d1", bm25(1, 2, 2, k1, b),
            "d2", bm25(2, 3, 2, k1, b),
            "d3", bm25(3, 4, 2, k1, b),
            "d4", bm25(1, 2, 2, k1, b));
    try (Bm25Retriever r = Bm25Retriever.open(index, Bm25Params.ANSERINI)) {
      List<Candidate> hits = r.search(new Query("q1", "cats and birds"), 10);
      // ranking: d3 (3 birds) > d2 (2 cats) > d1 = d4 (tied; docid breaks the tie)
      assertEquals(List.of("d3", "d2", "d1", "d4"), hits.stream().map(Candidate::docid).toList());
      for (Candidate c : hits) assertEquals(expected.get(c.docid()), c.score(), 1e-5, c.docid());
      // one value by hand: idf = ln(1 + 2.5/2.5) = ln 2; d3: 3 / (3 + 0.9 (0.6 + 0.4 * 16/11))
      assertEquals(
          Math.log(2) * 3 / (3 + 0.9 * (0.6 + 0.4 * 16 / 11.0)), hits.get(0).score(), 1e-5);
      assertEquals("dog bird bird bird", hits.get(0).passage().text());
    }
  }

  @Test
  void parametersChangeScores() {
    try (Bm25Retriever r = Bm25Retriever.open(index, new Bm25Params(1.2f, 0.75f))) {
      Candidate top = r.search(new Query("q", "fish"), 1).get(0);
      // "fish": d2 (tf 1, dl 3) and d4 (tf 1, dl 2); shorter d4 wins with b > 0
      assertEquals("d4", top.docid());
      assertEquals(bm25(1, 2, 2, 1.2f, 0.75f), top.score(), 1e-5);
    }
  }

  @Test
  void stopWordsAndStemming() {
    try (Bm25Retriever r = Bm25Retriever.open(index, Bm25Params.ANSERINI)) {
      assertEquals(List.of(), r.search(new Query("q", "the and of"), 10));
      assertEquals(List.of(), r.search(new Query("q", ""), 10));
      // "Dogs" -> "dog": d1 and d3
      assertEquals(2, r.search(new Query("q", "Dogs!"), 10).size());
      assertEquals(1, r.search(new Query("q", "dogs"), 1).size());
      assertTrue(r.search(new Query("q", "unicorn"), 10).isEmpty());
    }
  }

  @Test
  void repeatedQueryTermsWeighMore() {
    try (Bm25Retriever r = Bm25Retriever.open(index, Bm25Params.ANSERINI)) {
      List<Candidate> once = r.search(new Query("q", "fish dog"), 10);
      List<Candidate> twice = r.search(new Query("q", "fish fish dog"), 10);
      double d4Once =
          once.stream().filter(c -> c.docid().equals("d4")).findFirst().orElseThrow().score();
      double d4Twice =
          twice.stream().filter(c -> c.docid().equals("d4")).findFirst().orElseThrow().score();
      assertEquals(2 * d4Once, d4Twice, 1e-5);
    }
  }

  @Test
  void badInputIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Bm25Params(-1, 0.4f));
    assertThrows(IllegalArgumentException.class, () -> new Bm25Params(0.9f, 1.5f));
    assertThrows(
        IllegalArgumentException.class,
        () -> Bm25Retriever.open(tmp.resolve("none"), Bm25Params.ANSERINI));
    try (Bm25Retriever r = Bm25Retriever.open(index, Bm25Params.ANSERINI)) {
      assertThrows(IllegalArgumentException.class, () -> r.search(new Query("q", "cat"), 0));
      assertEquals(4, r.metadata().passages());
      assertTrue(!r.metadata().dense());
    }
  }
}
