package io.qpeft.retrieval;

import java.util.HashMap;
import java.util.Map;

/**
 * What an index was built with, stored in the Lucene commit's user data so that {@code retrieve}
 * needs no repeat of the indexing options.
 *
 * @param passages number of passages indexed
 * @param analyzer analyzer name ({@link IndexLayout#ANALYZER_NAME})
 * @param encoder the dense encoder: {@link SentenceEncoder#BUILTIN_NAME} or an ONNX folder path;
 *     empty for a BM25-only index
 * @param dimensions embedding size, 0 for a BM25-only index
 * @param queryPrefix instruction put before every query for the dense encoder
 */
public record IndexMetadata(
    long passages, String analyzer, String encoder, int dimensions, String queryPrefix) {
  private static final String PREFIX = "qpeft.";

  public IndexMetadata {
    if (passages < 0) throw new IllegalArgumentException("passages must be >= 0, got " + passages);
    analyzer = analyzer == null ? IndexLayout.ANALYZER_NAME : analyzer;
    encoder = encoder == null ? "" : encoder;
    queryPrefix = queryPrefix == null ? "" : queryPrefix;
    if (dimensions < 0)
      throw new IllegalArgumentException("dimensions must be >= 0, got " + dimensions);
    if (encoder.isEmpty() != (dimensions == 0)) {
      throw new IllegalArgumentException(
          "encoder '" + encoder + "' and dimensions " + dimensions + " disagree");
    }
  }

  /** Whether the index holds passage embeddings. */
  public boolean dense() {
    return dimensions > 0;
  }

  Map<String, String> toUserData() {
    Map<String, String> m = new HashMap<>();
    m.put(PREFIX + "passages", Long.toString(passages));
    m.put(PREFIX + "analyzer", analyzer);
    m.put(PREFIX + "encoder", encoder);
    m.put(PREFIX + "dimensions", Integer.toString(dimensions));
    m.put(PREFIX + "queryPrefix", queryPrefix);
    return m;
  }

  static IndexMetadata fromUserData(Map<String, String> m, Object where) {
    String passages = m.get(PREFIX + "passages");
    if (passages == null) {
      throw new IllegalArgumentException(
          where + " is a Lucene index but not one written by 'qpeft index' (no qpeft metadata)");
    }
    String analyzer = m.get(PREFIX + "analyzer");
    if (!IndexLayout.ANALYZER_NAME.equals(analyzer)) {
      throw new UnsupportedOperationException(
          where + " was analysed with '" + analyzer + "'; supported: " + IndexLayout.ANALYZER_NAME);
    }
    return new IndexMetadata(
        Long.parseLong(passages),
        analyzer,
        m.get(PREFIX + "encoder"),
        Integer.parseInt(m.getOrDefault(PREFIX + "dimensions", "0")),
        m.get(PREFIX + "queryPrefix"));
  }
}
