package io.qpeft.model;

/**
 * IEEE 754 binary16 ("F16") conversions on the host, for loading checkpoint weights into F16 or F32
 * without the engine (Java 17 lacks {@code Float.float16ToFloat} / {@code floatToFloat16}). BF16 is
 * simply the top half of an F32: {@code Float.intBitsToFloat(bits << 16)}.
 */
public final class HalfFloat {
  /** The largest finite F16 value. */
  public static final float MAX = 65504f;

  private HalfFloat() {}

  /** F16 bits (low 16 bits of {@code h}) to float, exactly. */
  public static float toFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
    if (exp == 0) {
      if (mant == 0) return Float.intBitsToFloat(sign); // signed zero
      float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /**
   * Float to F16 bits, rounding to nearest (ties to even) as PyTorch's {@code .half()} does;
   * magnitudes of 65520 and above become infinity, below 2^-25 zero.
   */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int abs = bits & 0x7fffffff;
    if (abs >= 0x7f800000) { // inf, or NaN (kept quiet, payload truncated)
      return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
    }
    if (abs >= 0x477ff000) return (short) (sign | 0x7c00); // >= 65520 rounds past 65504
    if (abs < 0x38800000) { // below 2^-14: F16 subnormal (or zero)
      if (abs < 0x33000000) return (short) sign; // below 2^-25: rounds to zero
      int exp = abs >>> 23;
      int mant = (abs & 0x7fffff) | 0x800000;
      int shift = 126 - exp; // value = mant * 2^(exp - 150); F16 unit is 2^-24
      int h = mant >>> shift;
      int rem = mant & ((1 << shift) - 1);
      int half = 1 << (shift - 1);
      if (rem > half || (rem == half && (h & 1) == 1)) h++; // may carry into the first normal
      return (short) (sign | h);
    }
    int h = (abs >>> 13) - (112 << 10); // rebias the exponent from 127 to 15
    int rem = abs & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1) == 1)) h++; // a carry bumps the exponent
    return (short) (sign | h);
  }
}
