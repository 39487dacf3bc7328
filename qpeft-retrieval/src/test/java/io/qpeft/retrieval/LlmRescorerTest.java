package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import io.qpeft.rerank.UprReranker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BM25 on an in-memory index, then the LLM: the rescored hits equal {@link Reranker#rerank} of the
 * same passages in first-pass order (same order, same scores as floats).
 */
class LlmRescorerTest {
  static final List<Passage> CORPUS =
      List.of(
          new Passage("d1", "Rivers", "the river flows north to the sea"),
          new Passage("d2", "Paris", "the eiffel tower stands in paris by the river"),
          new Passage("d3", "", "a tower of books on the table"),
          new Passage("d4", "Music", "the orchestra plays music by the river"),
          new Passage("d5", "Towers", "the tallest tower in the world"),
          new Passage("d6", "Cats", "cats sleep all day"));

  /** The tiny Llama fixture of the core tests (as a folder: the test-jar copy is zipped). */
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  static ByteBuffersDirectory dir;
  static DirectoryReader reader;
  static UprReranker reranker;

  @BeforeAll
  static void setUp() throws Exception {
    dir = new ByteBuffersDirectory();
    try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(IndexLayout.newAnalyzer()))) {
      for (Passage p : CORPUS) {
        Document d = new Document();
        d.add(new StringField(IndexLayout.DOCID, p.docid(), Field.Store.YES));
        d.add(new StoredField(IndexLayout.TITLE, p.title()));
        d.add(new StoredField(IndexLayout.TEXT, p.text()));
        d.add(new TextField(IndexLayout.CONTENTS, p.title() + "\n" + p.text(), Field.Store.NO));
        // the same text under other names, for the configurable-fields test
        d.add(new StoredField("body", p.text()));
        d.add(new StoredField("pid", "x-" + p.docid()));
        w.addDocument(d);
      }
    }
    reader = DirectoryReader.open(dir);
    reranker = UprReranker.open(TINY_LLAMA);
  }

  @AfterAll
  static void tearDown() throws Exception {
    reranker.close();
    reader.close();
    dir.close();
  }

  static IndexSearcher bm25() {
    IndexSearcher s = new IndexSearcher(reader);
    s.setSimilarity(new BM25Similarity(0.9f, 0.4f));
    return s;
  }

  static TopDocs firstPass(IndexSearcher s, String... terms) throws Exception {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (String t : terms)
      b.add(new TermQuery(new Term(IndexLayout.CONTENTS, t)), BooleanClause.Occur.SHOULD);
    return s.search(b.build(), 10);
  }

  @Test
  void rescoredHitsEqualRerankerRerankOfTheSamePassages() throws Exception {
    IndexSearcher searcher = bm25();
    TopDocs first = firstPass(searcher, "tower", "river");
    assertEquals(5, first.scoreDocs.length); // d1..d5 match, d6 does not
    String q = "where is the eiffel tower";
    TopDocs reranked =
        LlmRescorer.builder().setReranker(reranker).setQuery(q).build().rescore(searcher, first, 3);

    List<Passage> inFirstPassOrder = new ArrayList<>();
    for (ScoreDoc sd : first.scoreDocs)
      inFirstPassOrder.add(
          new Passage(
              searcher.storedFields().document(sd.doc).get(IndexLayout.DOCID),
              searcher.storedFields().document(sd.doc).get(IndexLayout.TITLE),
              searcher.storedFields().document(sd.doc).get(IndexLayout.TEXT)));
    List<Scored> expected = reranker.rerank(new Query("lucene", q), inFirstPassOrder, 3);

    assertEquals(3, reranked.scoreDocs.length);
    assertEquals(first.totalHits, reranked.totalHits);
    for (int i = 0; i < 3; i++) {
      ScoreDoc got = reranked.scoreDocs[i];
      assertEquals(
          expected.get(i).passage().docid(),
          searcher.storedFields().document(got.doc).get(IndexLayout.DOCID));
      assertEquals((float) expected.get(i).score(), got.score);
      assertEquals(first.scoreDocs[expected.get(i).index()].doc, got.doc);
    }
    // best first, and the LLM's scores, not BM25's (UPR log-likelihoods are negative)
    assertTrue(reranked.scoreDocs[0].score >= reranked.scoreDocs[1].score);
    assertTrue(reranked.scoreDocs[0].score < 0);
  }

  @Test
  void fieldNamesAndPassageLoaderAreConfigurable() throws Exception {
    IndexSearcher searcher = bm25();
    TopDocs first = firstPass(searcher, "river");
    String q = "which river flows north";
    // other stored fields, no title
    TopDocs byFields =
        LlmRescorer.builder()
            .setReranker(reranker)
            .setQuery(q)
            .optDocidField("pid")
            .optTitleField(null)
            .optTextField("body")
            .build()
            .rescore(searcher, first, 10);
    // the same passages from a user function
    Map<Integer, Passage> seen = new java.util.HashMap<>();
    TopDocs byLoader =
        LlmRescorer.builder()
            .setReranker(reranker)
            .setQuery(q)
            .optPassageLoader(
                (s, doc) -> {
                  Passage p = new Passage("u" + doc, s.storedFields().document(doc).get("body"));
                  seen.put(doc, p);
                  return p;
                })
            .build()
            .rescore(searcher, first, 10);
    assertEquals(first.scoreDocs.length, seen.size());
    assertEquals(first.scoreDocs.length, byFields.scoreDocs.length);
    for (int i = 0; i < byFields.scoreDocs.length; i++) {
      assertEquals(byFields.scoreDocs[i].doc, byLoader.scoreDocs[i].doc);
      assertEquals(byFields.scoreDocs[i].score, byLoader.scoreDocs[i].score);
    }
    // without the title, scores differ from the default fields (which include it)
    TopDocs withTitle =
        LlmRescorer.builder()
            .setReranker(reranker)
            .setQuery(q)
            .build()
            .rescore(searcher, first, 10);
    boolean anyDiffers = false;
    for (ScoreDoc a : withTitle.scoreDocs)
      for (ScoreDoc b : byFields.scoreDocs)
        if (a.doc == b.doc && a.score != b.score) anyDiffers = true;
    assertTrue(anyDiffers);
  }

  @Test
  void explainGivesTheRerankerScoreOfOneDocument() throws Exception {
    IndexSearcher searcher = bm25();
    TopDocs first = firstPass(searcher, "tower");
    String q = "where is the eiffel tower";
    LlmRescorer rescorer = LlmRescorer.builder().setReranker(reranker).setQuery(q).build();
    TopDocs reranked = rescorer.rescore(searcher, first, 1);
    int doc = reranked.scoreDocs[0].doc;
    Explanation e = rescorer.explain(searcher, Explanation.match(1f, "first pass"), doc);
    assertTrue(e.isMatch());
    assertEquals(reranked.scoreDocs[0].score, e.getValue().floatValue(), 1e-5f);
    assertEquals("first pass", e.getDetails()[0].getDescription());
  }

  @Test
  void missingTextFieldAndEmptyFirstPass() throws Exception {
    IndexSearcher searcher = bm25();
    TopDocs first = firstPass(searcher, "cat"); // analysed: "cats" -> "cat"
    assertEquals(1, first.scoreDocs.length);
    LlmRescorer wrong =
        LlmRescorer.builder().setReranker(reranker).setQuery("cats").optTextField("nope").build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> wrong.rescore(searcher, first, 5));
    assertTrue(e.getMessage().contains("'nope'"), e.getMessage());

    TopDocs none = firstPass(searcher, "zebra");
    TopDocs out =
        LlmRescorer.builder()
            .setReranker(reranker)
            .setQuery("zebra")
            .build()
            .rescore(searcher, none, 5);
    assertEquals(0, out.scoreDocs.length);
  }
}
