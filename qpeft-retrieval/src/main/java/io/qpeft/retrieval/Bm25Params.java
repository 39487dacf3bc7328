package io.qpeft.retrieval;

/**
 * BM25 parameters (Robertson et al., "Okapi at TREC-3", 1994). Lucene's {@code BM25Similarity}
 * scores a term as {@code idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))} with {@code
 * idf = ln(1 + (N - n + 0.5) / (n + 0.5))}; Lucene 9 drops the {@code (k1 + 1)} factor, which
 * scales every score alike and changes no ranking. Document lengths are stored lossily (one byte
 * per document), so scores differ slightly from exact arithmetic.
 *
 * @param k1 term-frequency saturation, non-negative and finite
 * @param b length normalisation, in [0, 1]
 */
public record Bm25Params(float k1, float b) {
  /** Anserini's defaults: k1 = 0.9, b = 0.4. */
  public static final Bm25Params ANSERINI = new Bm25Params(0.9f, 0.4f);

  public Bm25Params {
    if (!Float.isFinite(k1) || k1 < 0) {
      throw new IllegalArgumentException(
          "illegal k1 value: " + k1 + ", must be a non-negative finite value");
    }
    if (Float.isNaN(b) || b < 0 || b > 1) {
      throw new IllegalArgumentException("illegal b value: " + b + ", must be between 0 and 1");
    }
  }
}
