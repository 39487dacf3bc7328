package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneIndexerTest {
  @TempDir Path tmp;

  /** Seeded random passages over a small vocabulary, so that many passages tie. */
  static List<Passage> randomCorpus(int n, long seed) {
    Random rnd = new Random(seed);
    List<Passage> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 3 + rnd.nextInt(12);
      for (int j = 0; j < len; j++) sb.append("w").append(rnd.nextInt(60)).append(' ');
      out.add(new Passage("p" + i, i % 3 == 0 ? "title" + (i % 7) : "", sb.toString().trim()));
    }
    return out;
  }

  @Test
  void multiThreadedIndexEqualsSingleThreaded() throws Exception {
    List<Passage> corpus = randomCorpus(3000, 42);
    Path one = tmp.resolve("one");
    Path four = tmp.resolve("four");
    AtomicLong progress = new AtomicLong();
    LuceneIndexer.builder().setIndexDir(one).optThreads(1).build().index(corpus.iterator());
    IndexMetadata meta =
        LuceneIndexer.builder()
            .setIndexDir(four)
            .optThreads(4)
            .optBatchSize(7)
            .optRamBufferMb(1) // several flushed segments
            .optProgress(progress::addAndGet)
            .build()
            .index(corpus.iterator());
    assertEquals(3000, meta.passages());
    assertEquals(3000, progress.get());
    Random rnd = new Random(7);
    try (Bm25Retriever a = Bm25Retriever.open(one, Bm25Params.ANSERINI);
        Bm25Retriever b = Bm25Retriever.open(four, Bm25Params.ANSERINI)) {
      for (int q = 0; q < 20; q++) {
        Query query =
            new Query(
                "q" + q,
                "w" + rnd.nextInt(60) + " w" + rnd.nextInt(60) + " title" + rnd.nextInt(7));
        // all hits: the whole result set, ties included, must be identical
        List<Candidate> ra = a.search(query, 3000);
        List<Candidate> rb = b.search(query, 3000);
        assertTrue(ra.size() > 100, "query should match many passages");
        assertEquals(ra, rb, query.text());
      }
    }
  }

  @Test
  void reindexReplacesAndForeignFolderIsRefused() throws Exception {
    Path idx = tmp.resolve("idx");
    LuceneIndexer.builder().setIndexDir(idx).build().index(randomCorpus(50, 1).iterator());
    LuceneIndexer.builder()
        .setIndexDir(idx)
        .optForceMerge(true)
        .build()
        .index(randomCorpus(20, 2).iterator());
    try (Bm25Retriever r = Bm25Retriever.open(idx, Bm25Params.ANSERINI)) {
      assertEquals(20, r.metadata().passages());
    }
    Path foreign = Files.createDirectories(tmp.resolve("foreign"));
    Files.writeString(foreign.resolve("notes.txt"), "mine");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LuceneIndexer.builder()
                    .setIndexDir(foreign)
                    .build()
                    .index(randomCorpus(5, 3).iterator()));
    assertTrue(e.getMessage().contains("refusing"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LuceneIndexer.builder().optThreads(0));
  }

  @Test
  void failedCorpusLeavesPreviousIndex() throws Exception {
    Path idx = tmp.resolve("idx");
    LuceneIndexer.builder().setIndexDir(idx).build().index(randomCorpus(30, 1).iterator());
    Iterator<Passage> broken =
        new Iterator<>() {
          int i;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public Passage next() {
            if (++i > 500) throw new IllegalArgumentException("corpus.jsonl line 501: bad record");
            return new Passage("x" + i, "text " + i);
          }
        };
    assertThrows(
        IllegalArgumentException.class,
        () ->
            LuceneIndexer.builder()
                .setIndexDir(idx)
                .optThreads(2)
                .optBatchSize(10)
                .build()
                .index(broken));
    try (Bm25Retriever r = Bm25Retriever.open(idx, Bm25Params.ANSERINI)) {
      assertEquals(30, r.metadata().passages());
      assertEquals(
          30,
          r.search(
                  new Query(
                      "q",
                      "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23 w24 w25 w26 w27 w28 w29 w30 w31 w32 w33 w34 w35 w36 w37 w38 w39 w40 w41 w42 w43 w44 w45 w46 w47 w48 w49 w50 w51 w52 w53 w54 w55 w56 w57 w58 w59 w0"),
                  100)
              .size());
    }
  }

  static final List<Passage> FACTS =
      List.of(
          new Passage("paris", "Paris", "Paris is the capital and largest city of France."),
          new Passage(
              "photo", "Photosynthesis", "Plants convert light energy into chemical energy."),
          new Passage("jupiter", "Jupiter", "Jupiter is the largest planet in the Solar System."),
          new Passage(
              "python", "Python", "Python is a programming language created by Guido van Rossum."),
          new Passage(
              "everest", "Mount Everest", "Everest is Earth's highest mountain above sea level."));

  @Test
  void denseAndHybridRetrieval() throws Exception {
    Path idx = tmp.resolve("dense");
    try (SentenceEncoder enc = SentenceEncoder.builtin()) {
      IndexMetadata meta =
          LuceneIndexer.builder()
              .setIndexDir(idx)
              .optThreads(2)
              .optEncoder(enc)
              .build()
              .index(FACTS.iterator());
      assertEquals(384, meta.dimensions());
      assertEquals(SentenceEncoder.BUILTIN_NAME, meta.encoder());
      try (DenseRetriever dense = DenseRetriever.open(idx, enc)) {
        // no word in common with the passage: only the dense retriever can find it
        List<Candidate> hits =
            dense.search(new Query("q", "which mountain is the tallest on the planet?"), 3);
        assertEquals("everest", hits.get(0).docid());
        assertEquals(3, hits.size());
        assertTrue(hits.get(0).score() > hits.get(1).score() && hits.get(0).score() <= 1.0);
        List<List<Candidate>> batch =
            dense.searchAll(
                List.of(
                    new Query("a", "who made a programming language?"),
                    new Query("b", "French capital city")),
                1);
        assertEquals("python", batch.get(0).get(0).docid());
        assertEquals("paris", batch.get(1).get(0).docid());
      }
    }
    // the encoder named in the metadata is loaded by the retriever itself
    try (HybridRetriever hybrid =
        new HybridRetriever(
            List.of(Bm25Retriever.open(idx, Bm25Params.ANSERINI), DenseRetriever.open(idx)),
            60,
            10)) {
      List<Candidate> hits = hybrid.search(new Query("q", "largest planet"), 5);
      assertEquals("jupiter", hits.get(0).docid());
      assertEquals(2 / 61.0, hits.get(0).score(), 1e-12); // first in both rankings
      assertEquals(5, hits.size());
    }
    // a BM25-only index cannot serve dense retrieval
    Path sparse = tmp.resolve("sparse");
    LuceneIndexer.builder().setIndexDir(sparse).build().index(FACTS.iterator());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DenseRetriever.open(sparse));
    assertTrue(e.getMessage().contains("--dense"), e.getMessage());
  }
}
