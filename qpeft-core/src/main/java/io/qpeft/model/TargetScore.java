package io.qpeft.model;

/** Log-probabilities of a request's target tokens, in order. */
public record TargetScore(int[] targetIds, float[] targetLogprobs) {
  public double sumLogprob() {
    double s = 0;
    for (float v : targetLogprobs) s += v;
    return s;
  }

  public double meanLogprob() {
    return sumLogprob() / targetLogprobs.length;
  }
}
