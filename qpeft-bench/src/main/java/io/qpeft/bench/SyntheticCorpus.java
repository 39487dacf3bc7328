package io.qpeft.bench;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Seeded synthetic text for benchmarks: words drawn from a Zipf distribution (P(rank r)
 * proportional to 1 / r^s) over a vocabulary of pronounceable pseudo-words of two or more
 * consonant-vowel syllables, which no English stop word or Porter rule collapses. Passage lengths
 * are uniform in [mean/2, 3 mean/2]. Query words skip the {@value #QUERY_SKIP} most frequent ranks,
 * as real queries lose their stop words.
 */
final class SyntheticCorpus {
  static final int QUERY_SKIP = 20;
  private static final String CONSONANTS = "bdfgklmnprstvz";
  private static final String VOWELS = "aeiou";

  private final String[] words;
  private final double[] cdf;

  SyntheticCorpus(int vocabulary, double exponent) {
    if (vocabulary <= QUERY_SKIP)
      throw new IllegalArgumentException(
          "--vocabulary must be > " + QUERY_SKIP + ", got " + vocabulary);
    words = new String[vocabulary];
    cdf = new double[vocabulary];
    double sum = 0;
    for (int r = 0; r < vocabulary; r++) {
      words[r] = word(r);
      sum += 1 / Math.pow(r + 1, exponent);
      cdf[r] = sum;
    }
    for (int r = 0; r < vocabulary; r++) cdf[r] /= sum;
  }

  /** Rank {@code r} spelt as syllables (base 70 digits), at least two of them. */
  static String word(int r) {
    int base = CONSONANTS.length() * VOWELS.length();
    StringBuilder sb = new StringBuilder();
    int x = r;
    do {
      int syllable = x % base;
      sb.append(CONSONANTS.charAt(syllable / VOWELS.length()))
          .append(VOWELS.charAt(syllable % VOWELS.length()));
      x /= base;
    } while (x > 0 || sb.length() < 4);
    return sb.toString();
  }

  private String sample(SplittableRandom rnd, int minRank) {
    double lo = minRank == 0 ? 0 : cdf[minRank - 1];
    int i = Arrays.binarySearch(cdf, lo + rnd.nextDouble() * (1 - lo));
    return words[Math.min(words.length - 1, i >= 0 ? i : -i - 1)];
  }

  /** {@code n} passages {@code p0, p1, ...}, generated lazily. */
  Iterator<Passage> passages(long n, int meanWords, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    return new Iterator<>() {
      long i;

      @Override
      public boolean hasNext() {
        return i < n;
      }

      @Override
      public Passage next() {
        if (i >= n) throw new NoSuchElementException();
        int len = meanWords / 2 + rnd.nextInt(meanWords + 1);
        StringBuilder sb = new StringBuilder(len * 7);
        for (int w = 0; w < len; w++) {
          if (w > 0) sb.append(' ');
          sb.append(sample(rnd, 0));
        }
        String title = sample(rnd, QUERY_SKIP) + " " + sample(rnd, QUERY_SKIP);
        return new Passage("p" + i++, title, sb.toString());
      }
    };
  }

  /** {@code n} queries of 2 to 6 words. */
  List<Query> queries(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Query> out = new ArrayList<>(n);
    for (int q = 0; q < n; q++) {
      int len = 2 + rnd.nextInt(5);
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < len; w++) sb.append(w > 0 ? " " : "").append(sample(rnd, QUERY_SKIP));
      out.add(new Query("q" + q, sb.toString()));
    }
    return out;
  }
}
