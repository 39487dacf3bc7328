package io.qpeft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {
  /**
   * Two steps computed by hand (PyTorch AdamW semantics, lr 0.1, wd 0.01, betas 0.9/0.999, eps
   * 1e-8).
   */
  @Test
  void matchesHandComputedSteps() {
    ParameterSet p = new ParameterSet();
    p.put("w", new Tensor(new int[] {2}, new float[] {1.0f, -2.0f}), true);
    p.put("frozen", new Tensor(new int[] {1}, new float[] {5f}), false);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0.01);
    adam.step(p, Map.of("w", new float[] {0.5f, -0.25f}), 0.1);
    // step 1: p *= 1 - 0.001; m = 0.1 g, v = 0.001 g^2; mhat = g, vhat = g^2 -> p -= 0.1 * sign(g)
    assertEquals(1.0 * 0.999 - 0.1, p.get("w").data()[0], 1e-6);
    assertEquals(-2.0 * 0.999 + 0.1, p.get("w").data()[1], 1e-6);
    adam.step(p, Map.of("w", new float[] {-0.5f, 0f}), 0.1);
    // step 2, coordinate 0: m = 0.9*0.05 - 0.05 = -0.005; v = 0.999*0.00025 + 0.00025 = 0.00049975
    // mhat = -0.005/0.19 ; vhat = 0.00049975/0.001999
    double p0 = (0.999 - 0.1) * 0.999;
    double mhat = -0.005 / 0.19;
    double vhat = 0.00049975 / (1 - 0.999 * 0.999);
    p0 -= 0.1 * mhat / (Math.sqrt(vhat) + 1e-8);
    assertEquals(p0, p.get("w").data()[0], 1e-6);
    // coordinate 1 has no gradient but keeps moving with its momentum: m = 0.9 * -0.025
    double p1 = (-2.0 * 0.999 + 0.1) * 0.999;
    double m1 = 0.9 * -0.025 / 0.19;
    double v1 = 0.999 * 0.001 * 0.0625 / (1 - 0.999 * 0.999);
    p1 -= 0.1 * m1 / (Math.sqrt(v1) + 1e-8);
    assertEquals(p1, p.get("w").data()[1], 1e-6);
    assertEquals(5f, p.get("frozen").data()[0]);
    assertEquals(2, adam.stepCount());
  }

  /** Parameter groups: each parameter steps with its own learning rate (as param_groups do). */
  @Test
  void parameterGroupsStepWithTheirOwnLearningRate() {
    ParameterSet p = new ParameterSet();
    p.put("slow", new Tensor(new int[] {1}, new float[] {1f}), true);
    p.put("fast", new Tensor(new int[] {1}, new float[] {1f}), true);
    AdamW adam = new AdamW(0.9, 0.999, 1e-8, 0);
    adam.step(
        p,
        Map.of("slow", new float[] {0.5f}, "fast", new float[] {0.5f}),
        name -> name.equals("slow") ? 0.01 : 0.1);
    // the first step moves every coordinate by lr * sign(g)
    assertEquals(1 - 0.01, p.get("slow").data()[0], 1e-6);
    assertEquals(1 - 0.1, p.get("fast").data()[0], 1e-6);
  }
}
