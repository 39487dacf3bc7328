package io.qpeft.peft;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
 * 2014): a 64-bit state we can save in a checkpoint and derive per-epoch / per-step streams from,
 * so a resumed training run draws exactly the numbers an uninterrupted one would.
 */
public final class Rng {
  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  /** An independent stream for {@code (seed, keys...)}, e.g. {@code derive(42, epoch, step)}. */
  public static Rng derive(long seed, long... keys) {
    Rng r = new Rng(seed);
    for (long k : keys) r = new Rng(r.nextLong() ^ mix(k + 0x632BE59BD9B4E019L));
    return r;
  }

  public long state() {
    return state;
  }

  public long nextLong() {
    state += 0x9E3779B97F4A7C15L;
    return mix(state);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
    return (int) Math.floorMod(nextLong(), (long) bound);
  }

  /** Uniform in [-limit, limit). */
  public float uniform(double limit) {
    return (float) ((nextDouble() * 2 - 1) * limit);
  }

  /** Fisher-Yates shuffle of {@code a} in place. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
