package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** F16 conversions: exact round trips over every bit pattern, nearest rounding, edge values. */
class HalfFloatTest {

  @Test
  void everyHalfRoundTrips() {
    for (int h = 0; h <= 0xffff; h++) {
      float f = HalfFloat.toFloat(h);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(HalfFloat.toFloat(HalfFloat.fromFloat(f))), "NaN stays NaN");
      } else {
        assertEquals(h, HalfFloat.fromFloat(f) & 0xffff, "half bits " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void roundsToNearestEvenAndSaturates() {
    assertEquals(0x3c00, HalfFloat.fromFloat(1f + 0x1p-11f) & 0xffff); // tie: 1.0 is even
    assertEquals(0x3c02, HalfFloat.fromFloat(1f + 3 * 0x1p-11f) & 0xffff); // tie: up to even
    assertEquals(0x3c01, HalfFloat.fromFloat(1f + 0x1p-11f + 0x1p-20f) & 0xffff); // above tie
    assertEquals(0x7bff, HalfFloat.fromFloat(65519f) & 0xffff); // rounds down to 65504
    assertEquals(0x7c00, HalfFloat.fromFloat(65520f) & 0xffff); // tie past max: infinity
    assertEquals(0xfc00, HalfFloat.fromFloat(-1e6f) & 0xffff);
    assertEquals(0x0000, HalfFloat.fromFloat(0x1p-25f) & 0xffff); // tie with 0: zero is even
    assertEquals(0x0001, HalfFloat.fromFloat(0x1.1p-25f) & 0xffff);
    assertEquals(0x8000, HalfFloat.fromFloat(-0f) & 0xffff);
    assertEquals(0x0400, HalfFloat.fromFloat(0x1.ffffp-15f) & 0xffff); // carries into normal
    assertEquals(1.0f, HalfFloat.toFloat(0x3c00));
    assertEquals(65504f, HalfFloat.toFloat(0x7bff));
    assertEquals(0x1p-24f, HalfFloat.toFloat(0x0001));
    assertEquals(Float.POSITIVE_INFINITY, HalfFloat.toFloat(0x7c00));
    assertEquals(-0.0f, HalfFloat.toFloat(0x8000));
  }

  @Test
  void randomFloatsGoToTheNearestHalf() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 200_000; i++) {
      float f = (float) (rnd.nextDouble(-1, 1) * Math.pow(2, rnd.nextInt(-26, 16)));
      int h = HalfFloat.fromFloat(f) & 0xffff;
      double err = Math.abs(HalfFloat.toFloat(h) - (double) f);
      for (int n : new int[] {h - 1, h + 1}) {
        if ((n & 0x7fff) >= 0x7c00 || n < 0 || (n ^ h) > 0x7fff) continue; // inf/NaN, sign flip
        assertTrue(
            err <= Math.abs(HalfFloat.toFloat(n) - (double) f),
            f + " -> " + Integer.toHexString(h) + " but " + Integer.toHexString(n) + " is nearer");
      }
    }
  }
}
