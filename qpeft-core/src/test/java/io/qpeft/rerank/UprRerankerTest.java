package io.qpeft.rerank;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UprRerankerTest {
  private static TransformerLm lm;
  private static TextTokenizer tok;

  @BeforeAll
  static void load() {
    lm = Models.load(Fixtures.model("tiny-llama"));
    tok = TextTokenizer.load(Fixtures.model("tiny-llama"));
  }

  @AfterAll
  static void close() {
    lm.close();
    tok.close();
  }

  private static final String PREFIX = "Passage: ";
  private static final String SUFFIX = " Please write a question based on this passage.\nQuestion:";

  /** The golden UPR text cases: same token ids and the same mean log-likelihood. */
  @Test
  void reproducesGoldenUprTextCases() {
    JsonNode golden = Fixtures.golden("tiny-llama");
    for (JsonNode c : golden.get("text_cases")) {
      String prompt = c.get("prompt_text").asText();
      String passage = prompt.substring(PREFIX.length(), prompt.length() - SUFFIX.length());
      String query = c.get("target_text").asText().substring(1);
      PromptTemplate t =
          new PromptTemplate(
              PromptTemplate.UPR.prompt(),
              PromptTemplate.UPR.target(),
              c.get("add_bos").asBoolean(),
              c.get("add_eos").asBoolean());
      try (UprReranker r =
          UprReranker.builder().setModel(lm).setTokenizer(tok).optTemplate(t).build()) {
        Query q = new Query("q", query);
        Passage p = new Passage("d", passage);
        ScoreRequest req = r.request(q, p);
        assertArrayEquals(ints(c.get("prompt_ids")), req.promptIds(), c.get("name").asText());
        assertArrayEquals(ints(c.get("target_ids")), req.targetIds(), c.get("name").asText());
        assertEquals(c.get("mean_logprob").asDouble(), r.score(q, List.of(p))[0], 1e-4);
      }
    }
  }

  @Test
  void titleJoinsThePassageAndTruncationKeepsItsStart() {
    try (UprReranker r =
        UprReranker.builder().setModel(lm).setTokenizer(tok).optMaxPassageTokens(5).build()) {
      Query q = new Query("q", "what is it?");
      ScoreRequest full =
          UprReranker.builder()
              .setModel(lm)
              .setTokenizer(tok)
              .optMaxPassageTokens(0)
              .build()
              .request(q, new Passage("d", "Title", "a long passage text that goes on and on"));
      ScoreRequest cut =
          r.request(q, new Passage("d", "Title", "a long passage text that goes on and on"));
      int prefix = 1 + tok.encode("Passage:").length;
      int suffix = tok.encode(" Please write a question based on this passage.\nQuestion:").length;
      assertEquals(prefix + 5 + suffix, cut.promptIds().length);
      assertArrayEquals(
          Arrays.copyOf(full.promptIds(), prefix + 5), Arrays.copyOf(cut.promptIds(), prefix + 5));
      assertArrayEquals(full.targetIds(), cut.targetIds(), "the query is never truncated");
    }
  }

  @Test
  void rerankIsSortedStableAndTopK() {
    try (UprReranker r =
        UprReranker.builder().setModel(lm).setTokenizer(tok).optBatchTokens(128).build()) {
      Query q = new Query("q1", "Where is the Eiffel Tower?");
      List<Passage> ps = new ArrayList<>();
      String[] texts = {
        "The Eiffel Tower is in Paris.",
        "Bananas are yellow.",
        "The Eiffel Tower is in Paris.",
        "Paris is the capital of France.",
        "Bananas are yellow."
      };
      for (int i = 0; i < texts.length; i++) ps.add(new Passage("d" + i, texts[i]));
      double[] scores = r.score(q, ps);
      assertEquals(scores[0], scores[2], 1e-6);
      List<Scored> top = r.rerank(q, ps, 0);
      for (int i = 1; i < top.size(); i++) {
        Scored a = top.get(i - 1);
        Scored b = top.get(i);
        if (a.score() == b.score())
          assertEquals(true, a.index() < b.index(), "ties keep input order");
        else assertEquals(true, a.score() > b.score());
      }
      assertEquals(3, r.rerank(q, ps, 3).size());
      // cross-query batching gives the same scores as one query at a time
      Query q2 = new Query("q2", "What color are bananas?");
      List<double[]> all = r.scoreAll(List.of(q, q2), List.of(ps, ps.subList(0, 2)));
      assertArrayEquals(scores, all.get(0), 1e-5);
      assertArrayEquals(r.score(q2, ps.subList(0, 2)), all.get(1), 1e-5);
    }
  }

  @Test
  void sumAggregationIsMeanTimesLength() {
    Query q = new Query("q", "Where is it?");
    Passage p = new Passage("d", "Somewhere nice.");
    try (UprReranker mean = UprReranker.builder().setModel(lm).setTokenizer(tok).build();
        UprReranker sum =
            UprReranker.builder()
                .setModel(lm)
                .setTokenizer(tok)
                .optAggregation(Aggregation.SUM)
                .build()) {
      int n = mean.request(q, p).targetIds().length;
      assertEquals(mean.score(q, List.of(p))[0] * n, sum.score(q, List.of(p))[0], 1e-4);
    }
  }

  @Test
  void openOwnsItsModel() {
    Query q = new Query("q", "Where is it?");
    List<Passage> ps = List.of(new Passage("a", "Somewhere nice."), new Passage("b", "Elsewhere."));
    double[] expected;
    try (UprReranker shared = UprReranker.builder().setModel(lm).setTokenizer(tok).build()) {
      expected = shared.score(q, ps);
    }
    try (UprReranker r = UprReranker.open(Fixtures.model("tiny-llama"))) {
      assertArrayEquals(expected, r.score(q, ps), 1e-6);
    }
  }

  @Test
  void templatesAreValidated() {
    assertThrows(
        IllegalArgumentException.class, () -> PromptTemplate.of("Passage: {passage}", "no query"));
    assertThrows(IllegalArgumentException.class, () -> PromptTemplate.of("no passage", " {query}"));
    assertThrows(
        IllegalArgumentException.class, () -> PromptTemplate.of("{passage} {query}", " {query}"));
    assertThrows(IllegalArgumentException.class, () -> Aggregation.parse("max"));
  }
}
