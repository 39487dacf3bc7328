package io.qpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected values from scipy 1.17 (stats.t, stats.ttest_rel, special.betainc) and closed forms. */
class StudentTTest {
  @Test
  void twoSidedPAgainstScipy() {
    assertEquals(0.2951672353008665, StudentT.twoSidedP(2.0, 1), 1e-13);
    assertEquals(0.05, StudentT.twoSidedP(2.228138851986, 10), 1e-11); // the 97.5% quantile
    assertEquals(0.21781818701534503, StudentT.twoSidedP(1.5, 3.5), 1e-13);
    assertEquals(0.7662461052843528, StudentT.twoSidedP(0.3, 30), 1e-13);
    assertEquals(0.00012152364430076177, StudentT.twoSidedP(4.0, 100), 1e-15);
    assertEquals(0.04099221858575289, StudentT.twoSidedP(-2.5, 7), 1e-13);
    assertEquals(0.020496109292876444, StudentT.cdf(-2.5, 7), 1e-13);
    assertEquals(0.9999392381778496, StudentT.cdf(4.0, 100), 1e-13);
  }

  @Test
  void closedFormsForOneAndTwoDegreesOfFreedom() {
    for (double t = 0; t < 20; t += 0.37) {
      assertEquals(1 - 2 / Math.PI * Math.atan(t), StudentT.twoSidedP(t, 1), 1e-13, "df=1 t=" + t);
      assertEquals(1 - t / Math.sqrt(2 + t * t), StudentT.twoSidedP(t, 2), 1e-13, "df=2 t=" + t);
    }
  }

  @Test
  void incompleteBetaAndLogGamma() {
    assertEquals(0.018927124071945658, StudentT.regularizedBeta(0.3, 2.5, 0.5), 1e-14);
    assertEquals(0.889130022255, StudentT.regularizedBeta(0.9, 10, 3), 1e-12);
    assertEquals(0.5723649429247004, StudentT.lnGamma(0.5), 1e-14);
    assertEquals(361.4355404677776, StudentT.lnGamma(100.5), 1e-10);
  }

  @Test
  void pairedTTestAgainstScipyTtestRel() {
    double[] a = {0.1, 0.5, 0.3, 0.9, 0.0};
    double[] b = {0.2, 0.4, 0.1, 0.4, 0.0};
    assertEquals(0.24549203685029772, StudentT.pairedTTest(a, b), 1e-13);
    assertEquals(1.0, StudentT.pairedTTest(a, a));
    assertEquals(0.0, StudentT.pairedTTest(new double[] {1, 2}, new double[] {0, 1}));
    assertEquals(
        Double.NaN, StudentT.pairedTTest(new double[] {1, Double.NaN}, new double[] {0, 1}));
  }
}
