package io.qpeft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import io.qpeft.Fixtures;
import io.qpeft.model.EngineOptions;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Training with the frozen LM in F16: the trainable parameters (F32) get the loss and gradients the
 * F32 model gives, up to half-precision rounding. The device is {@code cpu} unless {@code
 * qpeft.test.device} says otherwise (as in {@code scripts/gpu-check.sh}).
 */
class HalfPrecisionTrainingTest {
  static final String DEVICE = System.getProperty("qpeft.test.device", "cpu");
  static TransformerLm f32;
  static TransformerLm f16;
  static TextTokenizer tok;

  @BeforeAll
  static void load() {
    EngineOptions.Builder o = EngineOptions.builder().optDevice(DEVICE);
    f32 = Models.load(Fixtures.model("tiny-qwen2"), o.optDType("f32").build());
    f16 = Models.load(Fixtures.model("tiny-qwen2"), o.optDType("f16").build());
    tok = TextTokenizer.load(Fixtures.model("tiny-qwen2"));
  }

  @AfterAll
  static void close() {
    f32.close();
    f16.close();
    tok.close();
  }

  private static double lossAndGradients(
      TransformerLm lm, PeftConfig cfg, ParameterSet params, Map<String, float[]> grads) {
    PeftModel model = new PeftModel(lm, tok, cfg, params);
    TrainConfig tc = TrainConfig.builder().optBatchQueries(2).build();
    Trainer trainer = new Trainer(model, BaseModel.of(lm.config(), null), tc, null, null);
    TrainingBatch batch = TrainingBatch.of(TrainFixtures.examples(2, 3), tc, null);
    for (String n : params.trainableNames()) grads.put(n, new float[params.get(n).data().length]);
    return trainer.lossAndGradients(batch, null, grads);
  }

  @ParameterizedTest
  @EnumSource(
      value = Variant.class,
      names = {"RETRIEVAL", "ATTENTION", "PROMPT"})
  void f16ModelGivesTheF32LossAndGradients(Variant variant) {
    assertEquals(DataType.FLOAT16, f16.inputEmbeddings().getDataType());
    PeftConfig cfg =
        PeftConfig.builder().setVariant(variant).optHeads(2).optDropout(0).optTopK(4).build();
    // the same F32 parameters for both models (initialised from the F32 one)
    ParameterSet params = PeftModel.initialParameters(f32, tok, cfg, 42);
    Map<String, float[]> g32 = new HashMap<>();
    Map<String, float[]> g16 = new HashMap<>();
    double loss32 = lossAndGradients(f32, cfg, params, g32);
    double loss16 = lossAndGradients(f16, cfg, params, g16);
    assertEquals(loss32, loss16, 0.02, variant + " loss");
    double global = 0;
    for (float[] a : g32.values()) for (float v : a) global = Math.max(global, Math.abs(v));
    double worst = 0;
    for (String name : g32.keySet()) {
      float[] a = g32.get(name);
      float[] b = g16.get(name);
      double max = 0;
      double err = 0;
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i]));
        err = Math.max(err, Math.abs(a[i] - b[i]));
      }
      // relative to the parameter's largest gradient, floored at 1% of the largest of all (the
      // attention key bias has an exactly zero gradient in exact arithmetic: only noise is left)
      double rel = err / Math.max(max, 0.01 * global);
      worst = Math.max(worst, rel);
      assertTrue(rel < 0.05, variant + " " + name + ": F16 gradient off by " + rel + " of max |g|");
    }
    System.out.printf(
        Locale.ROOT,
        "%s on %s: loss f32 %.5f f16 %.5f; max |g16 - g32| / max |g32| = %.2e%n",
        variant,
        DEVICE,
        loss32,
        loss16,
        worst);
  }
}
