package io.qpeft.model;

import static io.qpeft.Fixtures.ints;
import static io.qpeft.Fixtures.matrix;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.model.blocks.Ops;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradients do not depend on when the garbage collector runs. DJL's {@code create(float[])} wraps a
 * Java direct buffer without copying it; an array closed during the forward pass (a layer's {@code
 * NDScope}) but saved by autograd used to be freed by a collection before the backward pass, which
 * then read freed memory: NaN gradients for the GELU families (GPT-2, Gemma 2), whose activation's
 * constants were such arrays, whenever a collection landed in between.
 */
class GradientAfterGarbageCollectionTest {
  /** Runs full collections and lets the reference handler free unreachable direct buffers. */
  static void collectGarbage() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(30);
    }
  }

  @Test
  void aScalarClosedWithItsScopeStillDifferentiates() throws InterruptedException {
    TransformerLm.gradientLock().lock();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1, 2, 3});
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray y;
        try (NDScope scope = new NDScope()) {
          y = x.mul(Ops.scalar(x, 0.75)); // the scalar is closed with the scope
          NDScope.unregister(y);
        }
        collectGarbage();
        gc.backward(y.sum());
      }
      assertArrayEquals(new float[] {0.75f, 0.75f, 0.75f}, x.getGradient().toFloatArray());
    } finally {
      TransformerLm.gradientLock().unlock();
    }
  }

  /** Every fixture model's golden soft-prompt gradient, with collections between the passes. */
  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void goldenGradientWithCollectionsBeforeTheBackwardPass(String model)
      throws InterruptedException {
    JsonNode c = Fixtures.golden(model).get("grad_cases").get(0);
    float[] soft = matrix(c.get("soft_prompt"));
    int n = c.get("soft_prompt").size();
    ScoreRequest r =
        new ScoreRequest(
            ints(c.get("prompt_ids")),
            ints(c.get("target_ids")),
            List.of(new SoftSegment(c.get("soft_position").asInt(), soft, n)));
    float[] got;
    TransformerLm.gradientLock().lock();
    try (TransformerLm lm = Models.load(Fixtures.model(model));
        NDManager m = lm.newManager()) {
      NDArray rows = m.create(soft, new Shape(n, soft.length / n));
      rows.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray lp = lm.targetLogprobs(m, List.of(r), rows);
        collectGarbage();
        gc.backward(lp.mean().neg()); // the mean NLL of the one request
      }
      got = rows.getGradient().toFloatArray();
    } finally {
      TransformerLm.gradientLock().unlock();
    }
    GoldenLogprobTest.assertGradient(matrix(c.get("grad_soft_prompt")), got, model); // NaN fails
  }
}
