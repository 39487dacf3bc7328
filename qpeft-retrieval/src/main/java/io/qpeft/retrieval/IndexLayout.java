package io.qpeft.retrieval;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;

/**
 * The fields of a qpeft Lucene index and the analyzer that fills them. One place, so that the
 * indexer and the retrievers cannot disagree.
 *
 * <p>Analyzer: Lucene's {@link EnglishAnalyzer} = StandardTokenizer, English possessive removal,
 * lower-casing, Lucene's 33 English stop words ({@link EnglishAnalyzer#ENGLISH_STOP_WORDS_SET}) and
 * the Porter stemmer. That is the chain of Anserini's default English analyzer (its {@code
 * DefaultEnglishAnalyzer} with {@code -stemmer porter}, the default), so BM25 figures are
 * comparable with Anserini's.
 */
public final class IndexLayout {
  /** External passage id: indexed as one untokenised term, stored. */
  public static final String DOCID = "docid";

  /** Stored, not indexed: the passage title (empty when the collection has none). */
  public static final String TITLE = "title";

  /** Stored, not indexed: the passage body. */
  public static final String TEXT = "text";

  /** Indexed, not stored: title and text analysed together; BM25 searches this field. */
  public static final String CONTENTS = "contents";

  /** Unit-length passage embedding (HNSW graph, dot product = cosine); only in dense indexes. */
  public static final String VECTOR = "vector";

  /** The analyzer name recorded in the index metadata. */
  public static final String ANALYZER_NAME = "english-porter";

  private IndexLayout() {}

  /** A new English analyzer (Porter stemming, Lucene's English stop words); see the class doc. */
  public static Analyzer newAnalyzer() {
    return new EnglishAnalyzer();
  }
}
