package io.qpeft.rerank;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Yes/no reranking: the Qwen3-Reranker golden cases, the answer-rows path against the full-logits
 * way, the two-token probability against the log-softmax path, and batching across queries.
 */
class YesNoRerankerTest {
  private static final Path LLAMA = Fixtures.model("tiny-llama");

  /** A yes/no template the tiny (non-chat) tokenizer can run: " the" and " of" are one token. */
  private static final YesNoTemplate TINY =
      YesNoTemplate.custom(
          "<s>Query: {query}\nPassage: {passage}\n{instruction}\nAnswer:", " the", " of");

  private static final List<Query> QUERIES =
      List.of(
          new Query("q1", "where is the eiffel tower"),
          new Query("q2", "who wrote the origin of species"),
          new Query("q3", "does the nile flow north"));

  private static final List<List<Passage>> PASSAGES =
      List.of(
          List.of(
              new Passage("a", "Eiffel Tower", "A wrought-iron lattice tower in Paris, France."),
              new Passage("b", "The Nile flows north into the Mediterranean Sea."),
              new Passage("c", "Gravity gives weight to physical objects. ".repeat(12))),
          List.of(
              new Passage("d", "Charles Darwin published On the Origin of Species in 1859."),
              new Passage("e", "x")),
          List.of(new Passage("f", "Nile", "The Nile is a major north-flowing river.")));

  /**
   * golden/tiny-qwen3.json yesno_cases: the qwen3-reranker preset gives the card's prompt ids
   * exactly, and logit_yes, logit_no and the score within 1e-4.
   */
  @Test
  void qwen3RerankerMatchesTheGoldenCases() {
    Path dir = Fixtures.model("tiny-qwen3");
    try (TransformerLm lm = Models.load(dir);
        TextTokenizer tok = TextTokenizer.load(dir)) {
      for (JsonNode c : Fixtures.golden("tiny-qwen3").get("yesno_cases")) {
        String name = c.get("name").asText();
        YesNoReranker r =
            YesNoReranker.builder()
                .setModel(lm)
                .setTokenizer(tok)
                .setTemplate(YesNoTemplate.QWEN3_RERANKER)
                .optInstruction(c.get("instruction").asText())
                .build();
        Query q = new Query("q", c.get("query").asText());
        Passage d = new Passage("d", c.get("document").asText());
        int[] ids = r.promptIds(q, d);
        assertArrayEquals(ints(c.get("prompt_ids")), ids, name);
        assertArrayEquals(
            new int[] {c.get("yes_id").asInt(), c.get("no_id").asInt()}, r.answerIds());
        float[] logits = lm.lastPositionLogits(List.of(ids), r.answerIds())[0];
        assertEquals(c.get("logit_yes").asDouble(), logits[0], 1e-4, name + " logit_yes");
        assertEquals(c.get("logit_no").asDouble(), logits[1], 1e-4, name + " logit_no");
        assertEquals(c.get("score").asDouble(), r.score(q, List.of(d))[0], 1e-4, name + " score");
        // the full-vocabulary reference agrees (its log-softmax values: LastPositionLogitsTest)
        float[] full = lm.lastPositionLogitsFullVocabulary(List.of(ids), r.answerIds(), 1)[0];
        assertArrayEquals(logits, full, 2e-5f, name + " answer rows vs full vocabulary");
      }
    }
  }

  /**
   * The reranker's scores (answer rows only, batched by token budget across queries) equal the
   * scores computed from the full-vocabulary logits of each prompt, in the same order.
   */
  @Test
  void answerRowsEqualTheFullLogitsWay() {
    try (TransformerLm lm = Models.load(LLAMA);
        TextTokenizer tok = TextTokenizer.load(LLAMA)) {
      for (YesNoTemplate t :
          List.of(TINY, YesNoTemplate.custom(TINY.parts().get(0), " the", null))) {
        YesNoReranker r =
            YesNoReranker.builder()
                .setModel(lm)
                .setTokenizer(tok)
                .setTemplate(t)
                .optInstruction("Is the passage relevant?")
                .optMaxPassageTokens(40)
                .optBatchTokens(200) // several forward passes
                .build();
        List<double[]> got = r.scoreAll(QUERIES, PASSAGES);
        List<int[]> prompts = new ArrayList<>();
        for (int q = 0; q < QUERIES.size(); q++) {
          for (Passage p : PASSAGES.get(q)) prompts.add(r.promptIds(QUERIES.get(q), p));
        }
        float[][] full = lm.lastPositionLogitsFullVocabulary(prompts, r.answerIds(), 3);
        int i = 0;
        for (int q = 0; q < QUERIES.size(); q++) {
          assertEquals(PASSAGES.get(q).size(), got.get(q).length);
          for (int k = 0; k < got.get(q).length; k++, i++) {
            double expected =
                t.no() == null ? full[i][0] : 1 / (1 + Math.exp((double) full[i][1] - full[i][0]));
            assertEquals(expected, got.get(q)[k], 3e-5, "pair " + i);
          }
          // one query at a time gives the same scores as all queries together
          assertArrayEquals(got.get(q), r.score(QUERIES.get(q), PASSAGES.get(q)), 3e-5);
        }
      }
    }
  }

  /**
   * The probability of "yes" over {yes, no} from the answer logits equals the one from the engine's
   * log-softmax path: sigmoid(log P(yes) - log P(no)).
   */
  @Test
  void twoTokenScoreIsTheProbabilityOfYes() {
    try (TransformerLm lm = Models.load(LLAMA);
        TextTokenizer tok = TextTokenizer.load(LLAMA)) {
      YesNoReranker r =
          YesNoReranker.builder()
              .setModel(lm)
              .setTokenizer(tok)
              .setTemplate(TINY)
              .optInstruction("Relevant?")
              .build();
      double[] scores = r.score(QUERIES.get(0), PASSAGES.get(0));
      for (int k = 0; k < scores.length; k++) {
        int[] ids = r.promptIds(QUERIES.get(0), PASSAGES.get(0).get(k));
        List<TargetScore> lp =
            lm.score(
                List.of(
                    new ScoreRequest(ids, new int[] {r.answerIds()[0]}),
                    new ScoreRequest(ids, new int[] {r.answerIds()[1]})));
        double expected = 1 / (1 + Math.exp(lp.get(1).sumLogprob() - lp.get(0).sumLogprob()));
        assertEquals(expected, scores[k], 1e-5, "passage " + k);
      }
      assertEquals(0.5, YesNoReranker.score(new float[] {2f, 2f}), 0);
      assertEquals(1 / (1 + Math.exp(-3)), YesNoReranker.score(new float[] {1f, -2f}), 1e-12);
      assertEquals(-1.5, YesNoReranker.score(new float[] {-1.5f}), 0);
    }
  }
}
