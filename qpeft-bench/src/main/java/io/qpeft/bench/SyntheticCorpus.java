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
 * The one generator of seeded synthetic text for the benchmarks: words drawn from a Zipf
 * distribution (P(rank r) proportional to 1 / r^s; s = 0 is uniform) over a vocabulary, either
 * pronounceable pseudo-words of two or more consonant-vowel syllables, which no English stop word
 * or Porter rule collapses ({@link #pseudoWords}, for retrieval), or a given word list ({@link
 * #of}, e.g. {@link #ENGLISH} for text a language model's tokenizer knows). Passage lengths are
 * uniform in [mean/2, 3 mean/2]. Query words skip the {@value #QUERY_SKIP} most frequent ranks, as
 * real queries lose their stop words.
 */
final class SyntheticCorpus {
  static final int QUERY_SKIP = 20;
  private static final String CONSONANTS = "bdfgklmnprstvz";
  private static final String VOWELS = "aeiou";

  /**
   * Common English words (the first ones are stop words), one token each in most LM vocabularies.
   */
  static final List<String> ENGLISH =
      List.of(
          ("the of and to in is was for on that with as by at from his her an were are which this be "
                  + "city river king war music film team game school church island state party album "
                  + "county village born played season league university company station population "
                  + "species family region national first world history north south early known "
                  + "french german english american british roman empire capital language water light "
                  + "energy science theory law court bank market product car train ship air "
                  + "paris london berlin rome tokyo nile amazon alps everest pacific atlantic sahara")
              .split(" "));

  private final String[] words;
  private final double[] cdf;

  private SyntheticCorpus(String[] words, double exponent) {
    if (words.length == 0) throw new IllegalArgumentException("the vocabulary is empty");
    if (!(exponent >= 0))
      throw new IllegalArgumentException("--zipf must be >= 0, got " + exponent);
    this.words = words;
    cdf = new double[words.length];
    double sum = 0;
    for (int r = 0; r < words.length; r++) {
      sum += 1 / Math.pow(r + 1, exponent);
      cdf[r] = sum;
    }
    for (int r = 0; r < words.length; r++) cdf[r] /= sum;
  }

  /** Zipf over {@code vocabulary} pseudo-words ({@link #word(int)} spells rank r). */
  static SyntheticCorpus pseudoWords(int vocabulary, double exponent) {
    if (vocabulary <= QUERY_SKIP)
      throw new IllegalArgumentException(
          "--vocabulary must be > " + QUERY_SKIP + ", got " + vocabulary);
    String[] words = new String[vocabulary];
    for (int r = 0; r < vocabulary; r++) words[r] = word(r);
    return new SyntheticCorpus(words, exponent);
  }

  /** Zipf over the given words, the first the most frequent; exponent 0 draws them uniformly. */
  static SyntheticCorpus of(List<String> words, double exponent) {
    return new SyntheticCorpus(words.toArray(String[]::new), exponent);
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

  /** One word. */
  String nextWord(SplittableRandom rnd) {
    return sample(rnd, 0);
  }

  /** {@code n} words separated by spaces. */
  String text(SplittableRandom rnd, int n) {
    StringBuilder sb = new StringBuilder(n * 7);
    for (int w = 0; w < n; w++) {
      if (w > 0) sb.append(' ');
      sb.append(sample(rnd, 0));
    }
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
        String text = text(rnd, meanWords / 2 + rnd.nextInt(meanWords + 1));
        String title = sample(rnd, querySkip()) + " " + sample(rnd, querySkip());
        return new Passage("p" + i++, title, text);
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
      for (int w = 0; w < len; w++) sb.append(w > 0 ? " " : "").append(sample(rnd, querySkip()));
      out.add(new Query("q" + q, sb.toString()));
    }
    return out;
  }

  /** The ranks query words skip: {@value #QUERY_SKIP}, fewer in a small vocabulary. */
  private int querySkip() {
    return Math.min(QUERY_SKIP, words.length - 1);
  }
}
