package io.qpeft.model;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The answer-row logits at the last position (yes/no rerankers): against the golden full logits,
 * batched against one by one, and against the full-vocabulary reference.
 */
class LastPositionLogitsTest {

  /** Every prefix of the golden 4-token input: its last row of logits, whole vocabulary. */
  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void matchesGoldenLogitsOfEveryPrefix(String name) {
    JsonNode debug = Fixtures.golden(name).get("debug_logits");
    int[] input = ints(debug.get("input_ids"));
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      int[] all = new int[lm.config().vocabSize()];
      Arrays.setAll(all, i -> i);
      List<int[]> prompts = new ArrayList<>();
      for (int k = 1; k <= input.length; k++) prompts.add(Arrays.copyOf(input, k));
      float[][] got = lm.lastPositionLogits(prompts, all);
      for (int k = 0; k < input.length; k++) {
        JsonNode expected = debug.get("logits").get(k);
        assertEquals(expected.size(), got[k].length);
        for (int v = 0; v < got[k].length; v++) {
          assertEquals(expected.get(v).asDouble(), got[k][v], 1e-4, "position " + k + " id " + v);
        }
      }
    }
  }

  /**
   * Qwen3-Reranker's yes/no judgement on tiny-qwen3: the logits of "yes" and "no" at the last
   * prompt position, the score softmax([no, yes])[1], and the full-vocabulary log-probabilities.
   */
  @Test
  void qwen3YesNoCasesMatchGolden() {
    JsonNode golden = Fixtures.golden("tiny-qwen3");
    try (TransformerLm lm = Models.load(Fixtures.model("tiny-qwen3"))) {
      List<int[]> prompts = new ArrayList<>();
      for (JsonNode c : golden.get("yesno_cases")) prompts.add(ints(c.get("prompt_ids")));
      JsonNode first = golden.get("yesno_cases").get(0);
      int[] answers = {first.get("no_id").asInt(), first.get("yes_id").asInt()};
      float[][] logits = lm.lastPositionLogits(prompts, answers, 256); // one prompt per pass
      float[][] batched = lm.lastPositionLogits(prompts, answers);
      int[] all = new int[lm.config().vocabSize()];
      Arrays.setAll(all, i -> i);
      float[][] full = lm.lastPositionLogits(prompts, all);
      for (int i = 0; i < prompts.size(); i++) {
        JsonNode c = golden.get("yesno_cases").get(i);
        String name = c.get("name").asText();
        assertEquals(answers[0], c.get("no_id").asInt());
        assertEquals(answers[1], c.get("yes_id").asInt());
        for (float[] l : List.of(logits[i], batched[i])) {
          assertEquals(c.get("logit_no").asDouble(), l[0], 1e-4, name + " no");
          assertEquals(c.get("logit_yes").asDouble(), l[1], 1e-4, name + " yes");
          double score = 1 / (1 + Math.exp(l[0] - l[1]));
          assertEquals(c.get("score").asDouble(), score, 1e-4, name + " score");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : full[i]) max = Math.max(max, v);
        double sum = 0;
        for (float v : full[i]) sum += Math.exp(v - max);
        double logZ = max + Math.log(sum); // over all 976 rows, beyond the tokenizer's 966 ids
        assertEquals(c.get("logprob_no").asDouble(), full[i][answers[0]] - logZ, 1e-4, name);
        assertEquals(c.get("logprob_yes").asDouble(), full[i][answers[1]] - logZ, 1e-4, name);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void batchedEqualsSingleAndFullVocabularyReference(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      int vocab = lm.config().vocabSize();
      SplittableRandom rnd = new SplittableRandom(17);
      List<int[]> prompts = new ArrayList<>();
      for (int i = 0; i < 14; i++) {
        int[] p = new int[rnd.nextInt(1, 60)];
        for (int k = 0; k < p.length; k++) p[k] = rnd.nextInt(vocab);
        prompts.add(p);
      }
      int[] answers = {5, vocab - 1, 300, 5};
      float[][] batched = lm.lastPositionLogits(prompts, answers, 150); // several batches
      float[][] reference = lm.lastPositionLogitsFullVocabulary(prompts, answers, 4);
      for (int i = 0; i < prompts.size(); i++) {
        float[] single = lm.lastPositionLogits(List.of(prompts.get(i)), answers)[0];
        assertArrayEquals(single, batched[i], 2e-5f, "prompt " + i + " batched vs single");
        assertArrayEquals(reference[i], batched[i], 2e-5f, "prompt " + i + " vs reference");
        assertEquals(batched[i][0], batched[i][3]); // the same row twice
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void badInputsAreClearErrors(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<int[]> prompts = List.of(new int[] {1, 2, 3});
      String msg =
          assertThrows(
                  IllegalArgumentException.class,
                  () -> lm.lastPositionLogits(prompts, new int[] {100000}))
              .getMessage();
      assertTrue(msg.contains("100000") && msg.contains("vocabulary"), msg);
      msg =
          assertThrows(
                  IllegalArgumentException.class,
                  () -> lm.lastPositionLogits(List.of(new int[] {1}, new int[0]), new int[] {5}))
              .getMessage();
      assertTrue(msg.contains("prompt 1"), msg);
      assertThrows(
          IllegalArgumentException.class, () -> lm.lastPositionLogits(prompts, new int[0]));
    }
  }
}
