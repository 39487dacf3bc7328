package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Passage;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.TrainingExample;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LearnabilityTaskTest {
  static TextTokenizer tok;
  static ModelConfig config;

  @BeforeAll
  static void load() {
    tok = TextTokenizer.load(BenchRun.TINY_LLAMA);
    try (TransformerLm lm = Models.load(BenchRun.TINY_LLAMA)) {
      config = lm.config();
    }
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  /**
   * A small task on the tiny-llama tokenizer: 40 training, 6 dev, 10 test queries x 12 candidates
   * of 10 words.
   */
  static LearnabilityTask task(long seed) {
    return task(seed, false);
  }

  static LearnabilityTask task(long seed, boolean synonyms) {
    try (TransformerLm lm = Models.load(BenchRun.TINY_LLAMA);
        TextTokenizer t = TextTokenizer.load(BenchRun.TINY_LLAMA)) {
      return LearnabilityTask.generate(
          t, lm.config(), new LearnabilityTask.Shape(40, 6, 10, 12, 10, synonyms), seed);
    }
  }

  /**
   * The synonym variant: a passage never holds a key word, only synonyms; a relevant passage holds
   * the synonyms of all its query's words (the same word for the same key everywhere), and shares
   * no word with the query.
   */
  @Test
  void synonymPassagesHoldNoQueryWord() {
    LearnabilityTask t = task(7, true);
    Set<String> keys = new HashSet<>(t.keys());
    java.util.Map<String, Set<String>> seenFor = new java.util.HashMap<>();
    for (LearnabilityTask.TestQuery q : t.test()) {
      List<String> qw = List.of(q.query().text().split(" "));
      for (Passage p : q.candidates()) {
        List<String> pw = Arrays.asList(p.text().split(" "));
        assertTrue(pw.stream().noneMatch(keys::contains), p.text());
        if (!q.relevant().contains(p.docid())) continue;
        Set<String> others = new HashSet<>(pw);
        others.removeAll(t.fillers());
        assertEquals(qw.size(), others.size(), p.text()); // one synonym per query word
        seenFor.computeIfAbsent(String.join(" ", qw), k -> new HashSet<>()).add(others.toString());
      }
    }
    // both relevant passages of a query hold the same synonyms
    for (Set<String> s : seenFor.values()) assertEquals(1, s.size(), s.toString());
  }

  @Test
  void wordsAreSingleTokensWithALeadingSpace() {
    List<String> words = LearnabilityTask.singleTokenWords(tok, config, 400);
    assertTrue(words.size() >= 24, "got " + words);
    for (String w : words) assertEquals(1, tok.encode(" " + w).length, w);
    assertFalse(words.contains("the"), "stop words are left out");
  }

  @Test
  void relevancePlantsTheQueryWordsAndOnlyThere() {
    LearnabilityTask t = task(7);
    Set<String> keys = new HashSet<>(t.keys());
    assertTrue(t.fillers().stream().noneMatch(keys::contains), "keys and fillers are disjoint");
    for (LearnabilityTask.TestQuery q : t.test()) {
      List<String> qw = List.of(q.query().text().split(" "));
      assertTrue(qw.size() == 2 || qw.size() == 3);
      assertEquals(12, q.candidates().size());
      assertTrue(q.relevant().size() == 1 || q.relevant().size() == 2);
      for (Passage p : q.candidates()) {
        List<String> pw = Arrays.asList(p.text().split(" "));
        assertEquals(10, pw.size());
        long keysIn = pw.stream().filter(keys::contains).count();
        assertTrue(keysIn >= 2 && keysIn <= 3, p.text());
        assertEquals(q.relevant().contains(p.docid()), pw.containsAll(qw), p.text());
      }
    }
    for (TrainingExample e : t.train()) {
      List<String> qw = List.of(e.query().text().split(" "));
      assertTrue(Arrays.asList(e.positives().get(0).text().split(" ")).containsAll(qw));
      List<String> neg = Arrays.asList(e.hardNegatives().get(0).text().split(" "));
      assertEquals(
          1,
          qw.stream().filter(neg::contains).count(),
          "a hard negative shares exactly one key word");
    }
  }

  @Test
  void testQueriesAreNeverTrainingQueries() {
    LearnabilityTask t = task(7);
    Set<Set<String>> seen = new HashSet<>();
    for (LearnabilityTask.TestQuery q : t.test())
      assertTrue(seen.add(Set.of(q.query().text().split(" "))));
    for (TrainingExample e : t.dev()) assertTrue(seen.add(Set.of(e.query().text().split(" "))));
    for (TrainingExample e : t.train()) assertTrue(seen.add(Set.of(e.query().text().split(" "))));
  }

  @Test
  void theSeedDecidesEverything() {
    assertEquals(task(3), task(3));
    assertFalse(task(3).test().equals(task(4).test()));
  }
}
