package io.qpeft.eval;

/**
 * Student's t distribution and the paired two-sided t-test used to compare runs query by query.
 *
 * <p>The CDF uses the identity P(|T| ≥ t) = I_{ν/(ν+t²)}(ν/2, 1/2) with the regularized incomplete
 * beta function I evaluated by its continued fraction (modified Lentz; Numerical Recipes, 3rd ed.,
 * §6.4) and ln Γ by the Lanczos approximation (g = 7, 9 terms), accurate to about 1e-14.
 */
public final class StudentT {
  private StudentT() {}

  /** Two-sided p-value P(|T| ≥ |t|) for {@code df} degrees of freedom (df may be fractional). */
  public static double twoSidedP(double t, double df) {
    if (!(df > 0))
      throw new IllegalArgumentException("degrees of freedom must be positive, got " + df);
    if (Double.isNaN(t)) return Double.NaN;
    if (Double.isInfinite(t)) return 0;
    return regularizedBeta(df / (df + t * t), df / 2, 0.5);
  }

  /** P(T ≤ t). */
  public static double cdf(double t, double df) {
    double tail = twoSidedP(t, df) / 2;
    return t >= 0 ? 1 - tail : tail;
  }

  /**
   * Paired two-sided t-test of {@code a} against {@code b}: t = mean(d) / (sd(d)/√n) with d = a − b
   * and n − 1 degrees of freedom (scipy.stats.ttest_rel). Pairs where either value is NaN are
   * dropped. Returns 1 when every difference is 0, NaN with fewer than two pairs.
   */
  public static double pairedTTest(double[] a, double[] b) {
    if (a.length != b.length)
      throw new IllegalArgumentException(
          "samples differ in length: " + a.length + " vs " + b.length);
    int n = 0;
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i]) || Double.isNaN(b[i])) continue;
      sum += a[i] - b[i];
      n++;
    }
    if (n < 2) return Double.NaN;
    double mean = sum / n;
    double ss = 0;
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i]) || Double.isNaN(b[i])) continue;
      double d = a[i] - b[i] - mean;
      ss += d * d;
    }
    double sd = Math.sqrt(ss / (n - 1));
    if (sd == 0) return mean == 0 ? 1.0 : 0.0; // identical runs; or a constant nonzero shift
    return twoSidedP(mean / (sd / Math.sqrt(n)), n - 1);
  }

  /** The regularized incomplete beta function I_x(a, b). */
  public static double regularizedBeta(double x, double a, double b) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lnFront =
        lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
    double front = Math.exp(lnFront);
    // the continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise
    if (x < (a + 1) / (a + b + 2)) return front * betaContinuedFraction(x, a, b) / a;
    return 1 - front * betaContinuedFraction(1 - x, b, a) / b;
  }

  private static double betaContinuedFraction(double x, double a, double b) {
    final double tiny = 1e-300;
    double qab = a + b;
    double qap = a + 1;
    double qam = a - 1;
    double c = 1;
    double d = 1 - qab * x / qap;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10_000; m++) {
      int m2 = 2 * m;
      double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
      d = 1 + aa * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      double del = d * c;
      h *= del;
      if (Math.abs(del - 1) < 1e-16) break;
    }
    return h;
  }

  private static final double[] LANCZOS = {
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7
  };

  /** ln Γ(x) for x > 0 (Lanczos, g = 7). */
  public static double lnGamma(double x) {
    if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
    x -= 1;
    double sum = LANCZOS[0];
    for (int i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i);
    double t = x + 7.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
  }
}
