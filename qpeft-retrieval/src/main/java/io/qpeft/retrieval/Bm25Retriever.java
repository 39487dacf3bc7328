package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;

/**
 * BM25 over the {@link IndexLayout#CONTENTS} field. The query is analysed like the passages and
 * becomes a bag of words, as in Anserini: one optional clause per distinct term, boosted by how
 * often the term occurs in the query, so no query syntax can fail to parse. Parameters: {@link
 * Bm25Params}.
 */
public final class Bm25Retriever implements Retriever {
  private final LuceneIndex index;
  private final IndexSearcher searcher;
  private final Analyzer analyzer = IndexLayout.newAnalyzer();

  private Bm25Retriever(LuceneIndex index, Bm25Params params) {
    this.index = index;
    // a searcher of our own: the similarity is set once, before any thread can see it
    this.searcher = new IndexSearcher(index.reader);
    this.searcher.setSimilarity(new BM25Similarity(params.k1(), params.b()));
  }

  /** Opens the index at {@code path} for BM25 search with {@code params}. */
  public static Bm25Retriever open(Path path, Bm25Params params) {
    return new Bm25Retriever(LuceneIndex.open(path), params);
  }

  /** Metadata of the open index. */
  public IndexMetadata metadata() {
    return index.metadata;
  }

  @Override
  public List<Candidate> search(Query query, int hits) {
    Retriever.requireHits(hits);
    org.apache.lucene.search.Query q = bagOfWords(query.text());
    if (q == null) return List.of(); // nothing left after analysis (empty or only stop words)
    try {
      return index.candidates(searcher.search(q, hits), hits, s -> s);
    } catch (IOException e) {
      throw new UncheckedIOException("BM25 search failed on " + index.path, e);
    }
  }

  /** The bag-of-words query for {@code text}, or null when analysis leaves no term. */
  org.apache.lucene.search.Query bagOfWords(String text) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    try (TokenStream ts = analyzer.tokenStream(IndexLayout.CONTENTS, text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) counts.merge(term.toString(), 1, Integer::sum);
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // analysing a String does no I/O
    }
    if (counts.isEmpty()) return null;
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    int clauses = 0;
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      // Lucene refuses more than IndexSearcher.getMaxClauseCount() clauses; keep the first ones
      if (++clauses > IndexSearcher.getMaxClauseCount()) break;
      org.apache.lucene.search.Query tq = new TermQuery(new Term(IndexLayout.CONTENTS, e.getKey()));
      if (e.getValue() > 1) tq = new BoostQuery(tq, e.getValue());
      b.add(tq, BooleanClause.Occur.SHOULD);
    }
    return b.build();
  }

  @Override
  public void close() {
    try {
      analyzer.close();
    } finally {
      index.close();
    }
  }
}
