package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random requests: optimized vs naive scorer, batched vs single, finite-difference
 * gradients.
 */
class TransformerLmTest {

  static List<ScoreRequest> randomRequests(
      long seed, int count, int vocab, int hidden, boolean soft) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<ScoreRequest> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] prompt = new int[rnd.nextInt(1, 40)];
      for (int k = 0; k < prompt.length; k++) prompt[k] = rnd.nextInt(vocab);
      int[] target = new int[rnd.nextInt(1, 12)];
      for (int k = 0; k < target.length; k++) target[k] = rnd.nextInt(vocab);
      List<SoftSegment> segs = new ArrayList<>();
      if (soft) {
        int pos = 0;
        for (int s = 0; s < rnd.nextInt(1, 3); s++) {
          pos = rnd.nextInt(pos, prompt.length + 1);
          int len = rnd.nextInt(1, 4);
          float[] v = new float[len * hidden];
          for (int k = 0; k < v.length; k++) v[k] = (float) (rnd.nextDouble() - 0.5);
          segs.add(new SoftSegment(pos, v, len));
        }
      }
      out.add(new ScoreRequest(prompt, target, segs));
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void targetOnlyScoringEqualsFullVocabularyReference(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<ScoreRequest> requests = randomRequests(7, 25, lm.config().vocabSize(), 0, false);
      List<TargetScore> fast =
          lm.score(requests, 200); // small budget: many batches, sorted by length
      List<TargetScore> naive = lm.scoreFullVocabulary(requests, 8);
      for (int i = 0; i < requests.size(); i++) {
        assertArrayEquals(
            naive.get(i).targetLogprobs(), fast.get(i).targetLogprobs(), 2e-5f, "request " + i);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void batchedEqualsSingleWithSoftSegments(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<ScoreRequest> requests =
          randomRequests(11, 12, lm.config().vocabSize(), lm.config().hiddenSize(), true);
      List<SoftGradient> batched = lm.scoreWithGradient(requests);
      List<TargetScore> scored = lm.score(requests);
      for (int i = 0; i < requests.size(); i++) {
        SoftGradient single = lm.scoreWithGradient(List.of(requests.get(i))).get(0);
        assertArrayEquals(
            single.score().targetLogprobs(), batched.get(i).score().targetLogprobs(), 2e-5f);
        assertArrayEquals(single.score().targetLogprobs(), scored.get(i).targetLogprobs(), 2e-5f);
        for (int s = 0; s < single.segmentGradients().size(); s++) {
          assertArrayEquals(
              single.segmentGradients().get(s), batched.get(i).segmentGradients().get(s), 1e-5f);
        }
      }
    }
  }

  /** d(-mean logprob)/d(soft) by central differences in float32, on randomly chosen coordinates. */
  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void softGradientMatchesFiniteDifferences(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      int d = lm.config().hiddenSize();
      ScoreRequest r = randomRequests(3, 1, lm.config().vocabSize(), d, true).get(0);
      SoftGradient g = lm.scoreWithGradient(List.of(r)).get(0);
      SplittableRandom rnd = new SplittableRandom(5);
      double eps = 1e-2;
      for (int trial = 0; trial < 12; trial++) {
        int seg = rnd.nextInt(r.softSegments().size());
        SoftSegment s = r.softSegments().get(seg);
        int k = rnd.nextInt(s.vectors().length);
        double plus = nll(lm, r, seg, k, eps);
        double minus = nll(lm, r, seg, k, -eps);
        double numeric = (plus - minus) / (2 * eps);
        double analytic = g.segmentGradients().get(seg)[k];
        assertEquals(
            numeric,
            analytic,
            2e-3 + 2e-2 * Math.abs(numeric),
            "segment " + seg + " coordinate " + k);
      }
    }
  }

  private static double nll(TransformerLm lm, ScoreRequest r, int seg, int k, double delta) {
    List<SoftSegment> segs = new ArrayList<>(r.softSegments());
    SoftSegment s = segs.get(seg);
    float[] v = s.vectors().clone();
    v[k] += (float) delta;
    segs.set(seg, new SoftSegment(s.position(), v, s.length()));
    return -lm.score(List.of(new ScoreRequest(r.promptIds(), r.targetIds(), segs)))
        .get(0)
        .meanLogprob();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-llama"})
  void concurrentScoringGivesTheSameNumbers(String name) throws Exception {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      List<ScoreRequest> requests = randomRequests(13, 20, lm.config().vocabSize(), 0, false);
      List<TargetScore> expected = lm.score(requests);
      List<Thread> threads = new ArrayList<>();
      List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 4; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    List<TargetScore> got = lm.score(requests, 256);
                    for (int i = 0; i < got.size(); i++) {
                      assertArrayEquals(
                          expected.get(i).targetLogprobs(), got.get(i).targetLogprobs(), 2e-5f);
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) th.join();
      assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-gpt2"})
  void badInputsAreClearErrors(String name) {
    try (TransformerLm lm = Models.load(Fixtures.model(name))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> lm.score(List.of(new ScoreRequest(new int[] {1, 5000}, new int[] {2}))));
      assertTrue(e.getMessage().contains("5000"), e.getMessage());
      int[] tooLong = new int[300];
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> lm.score(List.of(new ScoreRequest(tooLong, new int[] {2}))));
      assertTrue(e.getMessage().contains("n_positions"), e.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () ->
              lm.score(
                  List.of(
                      new ScoreRequest(
                          new int[] {1},
                          new int[] {2},
                          List.of(new SoftSegment(0, new float[10], 1))))));
    }
  }
}
