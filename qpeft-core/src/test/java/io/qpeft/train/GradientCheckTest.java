package io.qpeft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.AttentionInit;
import io.qpeft.peft.AttentionScore;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.Mlp;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Rng;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences of the training loss (hinge + pointwise over a batch) against the
 * autograd gradient, for a few random coordinates of every trainable parameter of every variant.
 */
class GradientCheckTest {

  /**
   * Every variant on tiny-llama; Q-PEFT-R on every other family (the LM's gradient path is what
   * differs between families; the soft prompt alone is covered by each family's golden soft-vector
   * gradients), and Q-PEFT-A on Gemma 2 too, whose frozen keys are the scaled embedding rows.
   */
  static Stream<Arguments> cases() {
    Stream<Arguments> llama =
        Stream.of(Variant.RETRIEVAL, Variant.ATTENTION, Variant.PROMPT)
            .map(v -> Arguments.of("tiny-llama", v));
    Stream<Arguments> others =
        Arrays.stream(Fixtures.MODELS)
            .filter(m -> !m.equals("tiny-llama"))
            .map(m -> Arguments.of(m, Variant.RETRIEVAL));
    return Stream.concat(
        Stream.concat(llama, others), Stream.of(Arguments.of("tiny-gemma2", Variant.ATTENTION)));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(String modelName, Variant variant) {
    try (TransformerLm lm = Models.load(Fixtures.model(modelName));
        TextTokenizer tok = TextTokenizer.load(Fixtures.model(modelName))) {
      check(
          lm,
          tok,
          PeftConfig.builder().setVariant(variant).optHeads(2).optDropout(0).optTopK(4).build());
    }
  }

  /**
   * The residual MLP, identity projections and scaled-cosine scores. The residual MLP's last layer
   * starts at zero, where the first layer's gradient is exactly zero; it is set to small random
   * values first so that every path carries gradient.
   */
  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"RETRIEVAL", "ATTENTION"})
  void residualAndCosineGradientsMatchFiniteDifferences(Variant variant) {
    try (TransformerLm lm = Models.load(Fixtures.model("tiny-llama"));
        TextTokenizer tok = TextTokenizer.load(Fixtures.model("tiny-llama"))) {
      check(
          lm,
          tok,
          PeftConfig.builder()
              .setVariant(variant)
              .optHeads(2)
              .optDropout(0)
              .optTopK(4)
              .optResidualMlp(true)
              .optAttentionInit(AttentionInit.IDENTITY)
              .optAttentionScore(AttentionScore.COSINE)
              .optAttentionTemperature(5)
              .optWrapHints(true)
              .build());
    }
  }

  /**
   * A step split into several forward passes by the token budget (a pass without gradient for
   * dLoss/dNLL, then one backward per pass) gives the loss and gradient of one pass over all pairs,
   * dropout included (both rounds draw the same masks).
   */
  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"RETRIEVAL", "ATTENTION"})
  void severalPassesGiveTheGradientOfOnePass(Variant variant) {
    try (TransformerLm lm = Models.load(Fixtures.model("tiny-llama"));
        TextTokenizer tok = TextTokenizer.load(Fixtures.model("tiny-llama"))) {
      PeftConfig cfg = PeftConfig.builder().setVariant(variant).optTopK(4).optDropout(0.3).build();
      ParameterSet params = PeftModel.initialParameters(lm, tok, cfg, 42);
      PeftModel model = new PeftModel(lm, tok, cfg, params);
      TrainConfig one = TrainConfig.builder().optBatchQueries(2).optBatchTokens(0).build();
      TrainConfig many = one.toBuilder().optBatchTokens(40).build();
      TrainingBatch batch = TrainingBatch.of(TrainFixtures.examples(2, 3), one, null);
      Map<String, float[]> g1 = new HashMap<>();
      Map<String, float[]> g2 = new HashMap<>();
      for (String n : params.trainableNames()) {
        g1.put(n, new float[params.get(n).data().length]);
        g2.put(n, new float[params.get(n).data().length]);
      }
      double l1 = new Trainer(model, null, one, null, null).lossAndGradients(batch, new Rng(5), g1);
      double l2 =
          new Trainer(model, null, many, null, null).lossAndGradients(batch, new Rng(5), g2);
      assertEquals(l1, l2, 1e-5);
      for (String n : params.trainableNames()) {
        float[] a = g1.get(n);
        float[] b = g2.get(n);
        double scale = 1e-6;
        for (float x : a) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < a.length; i++)
          assertEquals(a[i], b[i], 1e-4 * scale, n + "[" + i + "]");
      }
    }
  }

  private static void check(TransformerLm lm, TextTokenizer tok, PeftConfig cfg) {
    Variant variant = cfg.variant();
    ParameterSet params = PeftModel.initialParameters(lm, tok, cfg, 42);
    if (cfg.residualMlp()) {
      Rng r = new Rng(11);
      for (String n : List.of(Mlp.W2, Mlp.B2)) {
        float[] w = params.get(n).data();
        for (int i = 0; i < w.length; i++) w[i] = r.uniform(0.1);
      }
    }
    PeftModel model = new PeftModel(lm, tok, cfg, params);
    TrainConfig tc = TrainConfig.builder().optBatchQueries(2).build();
    Trainer trainer = new Trainer(model, BaseModel.of(lm.config(), null), tc, null, null);
    TrainingBatch batch = TrainingBatch.of(TrainFixtures.examples(2, 3), tc, null);
    Map<String, float[]> grads = new HashMap<>();
    for (String n : params.trainableNames()) grads.put(n, new float[params.get(n).data().length]);
    double loss0 = trainer.lossAndGradients(batch, null, grads);

    int[] usedRows = variant == Variant.PROMPT ? new int[0] : usedRows(model, batch);
    Rng rng = new Rng(7);
    double eps = 2e-3;
    int d = lm.config().hiddenSize();
    for (String name : params.trainableNames()) {
      float[] data = params.get(name).data();
      float[] g = grads.get(name);
      int checked = 0;
      for (int trial = 0; trial < 12 && checked < 2; trial++) {
        int k =
            name.equals(ParameterSet.EMBEDDING)
                ? usedRows[rng.nextInt(usedRows.length)] * d + rng.nextInt(d)
                : rng.nextInt(data.length);
        float saved = data[k];
        data[k] = saved + (float) eps;
        double plus = trainer.loss(batch);
        data[k] = saved - (float) eps;
        double minus = trainer.loss(batch);
        data[k] = saved;
        double right = (plus - loss0) / eps;
        double left = (loss0 - minus) / eps;
        if (Math.abs(right - left) > 2e-3 + 0.05 * Math.abs(right + left) / 2) continue; // a kink
        double numeric = (plus - minus) / (2 * eps);
        assertEquals(
            numeric, g[k], 2e-3 + 3e-2 * Math.abs(numeric), variant + " " + name + "[" + k + "]");
        checked++;
      }
      assertTrue(checked >= 1, variant + " " + name + ": no smooth coordinate found to check");
    }
    if (variant != Variant.PROMPT) {
      // a row no pair reads has exactly zero gradient
      int unused = 959;
      assertTrue(Arrays.stream(usedRows).noneMatch(r -> r == unused));
      float[] g = grads.get(ParameterSet.EMBEDDING);
      for (int c = 0; c < d; c++) assertEquals(0f, g[unused * d + c]);
    }
  }

  private static int[] usedRows(PeftModel model, TrainingBatch batch) {
    List<PeftModel.Prepared> pairs = new java.util.ArrayList<>();
    for (int i = 0; i < batch.size(); i++)
      pairs.add(model.prepare(batch.queries().get(i), batch.passages().get(i)));
    return model.embeddingRows(pairs);
  }
}
