package io.qpeft.model;

import static io.qpeft.Fixtures.ints;
import static io.qpeft.Fixtures.matrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Log-probabilities and soft-vector gradients against the float64 reference implementation of the
 * Hugging Face modelling code ({@code shared/fixtures/golden}), with the tolerances its README
 * gives.
 */
class GoldenLogprobTest {

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void logprobCasesMatchOneByOneAndBatched(String name) {
    JsonNode golden = Fixtures.golden(name);
    List<ScoreRequest> requests = new ArrayList<>();
    List<JsonNode> cases = new ArrayList<>();
    for (String kind : new String[] {"logprob_cases", "text_cases"}) {
      for (JsonNode c : golden.get(kind)) {
        requests.add(new ScoreRequest(ints(c.get("prompt_ids")), ints(c.get("target_ids"))));
        cases.add(c);
      }
    }
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<TargetScore> batched = lm.score(requests);
      for (int i = 0; i < requests.size(); i++) {
        TargetScore single = lm.score(List.of(requests.get(i))).get(0);
        assertMatches(cases.get(i), single);
        assertMatches(cases.get(i), batched.get(i));
        assertArrayEquals(
            single.targetLogprobs(),
            batched.get(i).targetLogprobs(),
            2e-5f,
            "batched vs single, case " + cases.get(i).get("name"));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void textCasesTokenizeToGoldenIds(String name) {
    JsonNode golden = Fixtures.golden(name);
    try (TextTokenizer tok = TextTokenizer.load(Fixtures.model(name))) {
      for (JsonNode c : golden.get("text_cases")) {
        int[] prompt = tok.encode(c.get("prompt_text").asText());
        int[] target = tok.encode(c.get("target_text").asText());
        int[] expectedPrompt = ints(c.get("prompt_ids"));
        int[] expectedTarget = ints(c.get("target_ids"));
        int bos = c.get("add_bos").asBoolean() ? 1 : 0;
        int eos = c.get("add_eos").asBoolean() ? 1 : 0;
        assertArrayEquals(
            java.util.Arrays.copyOfRange(expectedPrompt, bos, expectedPrompt.length), prompt);
        assertArrayEquals(
            java.util.Arrays.copyOfRange(expectedTarget, 0, expectedTarget.length - eos), target);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void softPromptGradientsMatch(String name) {
    JsonNode golden = Fixtures.golden(name);
    List<ScoreRequest> requests = new ArrayList<>();
    List<JsonNode> cases = new ArrayList<>();
    List<List<float[]>> expectedGrads = new ArrayList<>();
    for (JsonNode c : golden.get("grad_cases")) {
      float[] soft = matrix(c.get("soft_prompt"));
      SoftSegment seg =
          new SoftSegment(c.get("soft_position").asInt(), soft, c.get("soft_prompt").size());
      requests.add(
          new ScoreRequest(ints(c.get("prompt_ids")), ints(c.get("target_ids")), List.of(seg)));
      cases.add(c);
      expectedGrads.add(List.of(matrix(c.get("grad_soft_prompt"))));
    }
    for (JsonNode c : golden.get("segment_cases")) {
      List<SoftSegment> segs = new ArrayList<>();
      List<float[]> grads = new ArrayList<>();
      for (int j = 0; j < c.get("soft_segments").size(); j++) {
        JsonNode s = c.get("soft_segments").get(j);
        segs.add(
            new SoftSegment(
                s.get("position").asInt(), matrix(s.get("vectors")), s.get("vectors").size()));
        grads.add(matrix(c.get("grad_soft_segments").get(j)));
      }
      requests.add(new ScoreRequest(ints(c.get("prompt_ids")), ints(c.get("target_ids")), segs));
      cases.add(c);
      expectedGrads.add(grads);
    }
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<SoftGradient> batched = lm.scoreWithGradient(requests);
      List<TargetScore> scoredOnly = lm.score(requests);
      for (int i = 0; i < requests.size(); i++) {
        SoftGradient single = lm.scoreWithGradient(List.of(requests.get(i))).get(0);
        for (SoftGradient g : List.of(single, batched.get(i))) {
          assertMatches(cases.get(i), g.score());
          assertEquals(-cases.get(i).get("mean_nll").asDouble(), g.score().meanLogprob(), 1e-4);
          for (int j = 0; j < expectedGrads.get(i).size(); j++) {
            assertGradient(
                expectedGrads.get(i).get(j),
                g.segmentGradients().get(j),
                cases.get(i).get("name").asText());
          }
        }
        assertMatches(cases.get(i), scoredOnly.get(i));
      }
    }
  }

  static void assertMatches(JsonNode c, TargetScore s) {
    String name = c.get("name").asText();
    JsonNode expected = c.get("target_logprobs");
    assertEquals(expected.size(), s.targetLogprobs().length, name);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i).asDouble(), s.targetLogprobs()[i], 1e-4, name + " token " + i);
    }
    assertEquals(c.get("sum_logprob").asDouble(), s.sumLogprob(), 1e-4 * expected.size(), name);
    assertEquals(c.get("mean_logprob").asDouble(), s.meanLogprob(), 1e-4, name);
  }

  static void assertGradient(float[] expected, float[] actual, String name) {
    assertEquals(expected.length, actual.length, name);
    double max = 0;
    for (float v : expected) max = Math.max(max, Math.abs(v));
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      assertTrue(
          diff <= 1e-3 * max + 1e-7,
          name
              + " grad["
              + i
              + "]: expected "
              + expected[i]
              + ", got "
              + actual[i]
              + " (max |g| "
              + max
              + ")");
    }
  }
}
