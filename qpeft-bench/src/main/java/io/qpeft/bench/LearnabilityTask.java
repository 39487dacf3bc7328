package io.qpeft.bench;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.ModelConfig;
import io.qpeft.peft.Rng;
import io.qpeft.peft.TokenFilter;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.TrainingExample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The synthetic task of {@code qpeft-bench bench-train --task learnability}: relevance is a
 * property of the query-passage interaction that a frozen random LM cannot see zero-shot, but a
 * query-dependent module can learn.
 *
 * <p>Words are whole words that the model's tokenizer encodes as one token (with a leading space)
 * and that Q-PEFT-R may turn into hints (no stop words); they are split into <em>key</em> words and
 * <em>filler</em> words. A query is 2 or 3 distinct key words. Every passage holds 2 or 3 key words
 * among filler words, in random order; a passage is relevant when it holds all the query's key
 * words. Non-relevant candidates hold other key words; half of them share exactly one key word with
 * the query (a lexical near miss, like a BM25 hard negative). The first-stage order of each test
 * query's candidates is a random permutation, so the first stage's Hit@10 is about candidates-10
 * out of candidates and any gain over it is learned.
 *
 * <p>With {@code synonyms}, each key word has a fixed synonym (another single-token word, never a
 * key or filler) and passages hold the synonyms of their key words instead of the words: a relevant
 * passage never shares a token with its query. Cosine top-k over the frozen embeddings cannot find
 * the match (Q-PEFT-R's selection), while attention can learn it in its query/key projections.
 *
 * <p>Test, dev and training queries have pairwise different key-word sets: a test query is never
 * seen in training (its words are). Training sets of different sizes are prefixes of one pool, so a
 * larger set contains the smaller ones. Everything derives from the seed.
 *
 * @param keys the key words
 * @param fillers the filler words
 * @param train the training pool (the largest size), each with one positive and one hard negative
 * @param dev the early-stopping set, built like the training set
 * @param test the test queries with their candidates in first-stage order
 */
record LearnabilityTask(
    List<String> keys,
    List<String> fillers,
    List<TrainingExample> train,
    List<TrainingExample> dev,
    List<TestQuery> test) {

  /** A test query, its candidates in first-stage order and the docids of the relevant ones. */
  record TestQuery(Query query, List<Passage> candidates, Set<String> relevant) {
    TestQuery {
      candidates = List.copyOf(candidates);
      relevant = Set.copyOf(relevant);
    }
  }

  /**
   * @param trainQueries size of the training pool (the largest training size)
   * @param devQueries dev queries
   * @param testQueries test queries
   * @param candidates candidates per test query (1 or 2 of them relevant)
   * @param passageWords words per passage (key words included)
   * @param synonyms passages hold the key words' synonyms instead of the words
   */
  record Shape(
      int trainQueries,
      int devQueries,
      int testQueries,
      int candidates,
      int passageWords,
      boolean synonyms) {
    Shape {
      require(trainQueries > 0, "--sizes must be positive, got " + trainQueries);
      require(devQueries > 0, "dev queries must be positive, got " + devQueries);
      require(testQueries > 0, "--test-queries must be positive, got " + testQueries);
      require(candidates >= 3, "--candidates must be at least 3, got " + candidates);
      require(
          passageWords >= 4,
          "--passage-words must be at least 4 (3 key words and a filler), got " + passageWords);
    }
  }

  private static final Pattern WORD = Pattern.compile(" [a-z]{3,}");

  /** Builds the task for the model's tokenizer. */
  static LearnabilityTask generate(
      TextTokenizer tokenizer, ModelConfig config, Shape shape, long seed) {
    List<String> words = singleTokenWords(tokenizer, config, 400);
    if (words.size() < 24) {
      throw new IllegalArgumentException(
          "the model's tokenizer has only "
              + words.size()
              + " single-token lower-case words that are not stop words; the learnability task needs at least 24");
    }
    Rng rng = Rng.derive(seed, 1);
    int[] order = range(words.size());
    rng.shuffle(order);
    int keyCount = Math.min(48, words.size() * 2 / (shape.synonyms() ? 7 : 5));
    List<String> keys = new ArrayList<>();
    List<String> fillers = new ArrayList<>();
    Map<String, String> synonym = new HashMap<>();
    for (int i = 0; i < order.length; i++) {
      String w = words.get(order[i]);
      if (i < keyCount) keys.add(w);
      else if (shape.synonyms() && i < 2 * keyCount) synonym.put(keys.get(i - keyCount), w);
      else fillers.add(w);
    }
    Builder b = new Builder(keys, fillers, synonym, shape.passageWords(), Rng.derive(seed, 2));
    int total = shape.testQueries() + shape.devQueries() + shape.trainQueries();
    long possible = choose(keys.size(), 2) + choose(keys.size(), 3);
    if (total > possible / 2) {
      throw new IllegalArgumentException(
          "the tokenizer gives "
              + keys.size()
              + " key words: "
              + possible
              + " distinct queries, too few for "
              + total
              + " test + dev + training queries");
    }
    List<TestQuery> test = new ArrayList<>();
    for (int i = 0; i < shape.testQueries(); i++)
      test.add(b.testQuery("test" + i, shape.candidates()));
    List<TrainingExample> dev = new ArrayList<>();
    for (int i = 0; i < shape.devQueries(); i++) dev.add(b.trainingExample("dev" + i));
    List<TrainingExample> train = new ArrayList<>();
    for (int i = 0; i < shape.trainQueries(); i++) train.add(b.trainingExample("train" + i));
    return new LearnabilityTask(
        List.copyOf(keys),
        List.copyOf(fillers),
        List.copyOf(train),
        List.copyOf(dev),
        List.copyOf(test));
  }

  /**
   * Up to {@code max} words, in token-id order (frequent first for BPE vocabularies), that encode
   * as one token with a leading space, are lower-case letters (3 or more) and pass Q-PEFT-R's
   * filters.
   */
  static List<String> singleTokenWords(TextTokenizer tokenizer, ModelConfig config, int max) {
    TokenFilter filter = new TokenFilter(tokenizer, config);
    List<String> out = new ArrayList<>();
    for (int id = 0; id < config.vocabSize() && out.size() < max; id++) {
      String s = tokenizer.decode(new int[] {id});
      if (!WORD.matcher(s).matches() || !filter.allowed(id, true, true)) continue;
      if (Arrays.equals(tokenizer.encode(s), new int[] {id})) out.add(s.substring(1));
    }
    return out;
  }

  /** Draws queries with distinct key-word sets and the passages around them. */
  private static final class Builder {
    private final List<String> keys;
    private final List<String> fillers;
    private final Map<String, String> synonym;
    private final int passageWords;
    private final Rng rng;
    private final Set<Set<String>> usedQueries = new HashSet<>();
    private final Map<String, Integer> docCounter = new HashMap<>();

    Builder(
        List<String> keys,
        List<String> fillers,
        Map<String, String> synonym,
        int passageWords,
        Rng rng) {
      this.keys = keys;
      this.fillers = fillers;
      this.synonym = synonym;
      this.passageWords = passageWords;
      this.rng = rng;
    }

    TrainingExample trainingExample(String qid) {
      List<String> q = newQuery();
      Query query = new Query(qid, String.join(" ", q));
      return new TrainingExample(
          query, List.of(passage(qid, q)), List.of(passage(qid, nearMiss(q))));
    }

    TestQuery testQuery(String qid, int candidates) {
      List<String> q = newQuery();
      int relevantCount = candidates >= 10 && rng.nextInt(2) == 0 ? 2 : 1;
      List<Passage> list = new ArrayList<>();
      Set<String> relevant = new HashSet<>();
      for (int i = 0; i < relevantCount; i++) {
        Passage p = passage(qid, q);
        relevant.add(p.docid());
        list.add(p);
      }
      for (int i = relevantCount; i < candidates; i++) {
        list.add(passage(qid, i % 2 == 0 ? nearMiss(q) : unrelated(q)));
      }
      int[] order = range(list.size()); // the first stage: a random permutation
      rng.shuffle(order);
      List<Passage> ranked = new ArrayList<>();
      for (int i : order) ranked.add(list.get(i));
      return new TestQuery(new Query(qid, String.join(" ", q)), ranked, relevant);
    }

    /** 2 or 3 distinct key words, a set no earlier query used. */
    private List<String> newQuery() {
      while (true) {
        List<String> q = distinctKeys(2 + rng.nextInt(2), Set.of());
        if (usedQueries.add(new HashSet<>(q))) return q;
      }
    }

    /** Key words sharing exactly one word with {@code q}. */
    private List<String> nearMiss(List<String> q) {
      List<String> out = new ArrayList<>();
      out.add(q.get(rng.nextInt(q.size())));
      out.addAll(distinctKeys(1 + rng.nextInt(2), new HashSet<>(q)));
      return out;
    }

    /** Key words sharing none with {@code q}. */
    private List<String> unrelated(List<String> q) {
      return distinctKeys(2 + rng.nextInt(2), new HashSet<>(q));
    }

    private List<String> distinctKeys(int n, Set<String> excluded) {
      Set<String> out = new LinkedHashSet<>();
      while (out.size() < n) {
        String k = keys.get(rng.nextInt(keys.size()));
        if (!excluded.contains(k)) out.add(k);
      }
      return new ArrayList<>(out);
    }

    /** The key words (or their synonyms) among fillers, in random order. */
    private Passage passage(String qid, List<String> keyWords) {
      List<String> words = new ArrayList<>();
      for (String k : keyWords) words.add(synonym.getOrDefault(k, k));
      while (words.size() < passageWords) words.add(fillers.get(rng.nextInt(fillers.size())));
      int[] order = range(words.size());
      rng.shuffle(order);
      StringBuilder text = new StringBuilder();
      for (int i : order) text.append(text.length() == 0 ? "" : " ").append(words.get(i));
      int n = docCounter.merge(qid, 1, Integer::sum);
      return new Passage(qid + "-d" + n, text.toString());
    }
  }

  private static int[] range(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }

  private static long choose(int n, int k) {
    long c = 1;
    for (int i = 0; i < k; i++) c = c * (n - i) / (i + 1);
    return c;
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }
}
