package io.qpeft.model;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The floating-point type of a model's frozen weights and of its forward pass ({@code --dtype}).
 * Whatever it is, the log-softmax, the scores, soft vectors (prompts, Q-PEFT hints) and trainable
 * parameters with their optimizer state stay F32.
 *
 * <p>There is no BF16: DJL 0.33's PyTorch engine maps no data type to BF16 (its native layer has no
 * case for it and aborts the whole JVM on any BF16 array, on the CPU and on a GPU alike), so BF16
 * checkpoints run as F16 (their values are rounded to F16 while loading) or F32.
 */
public enum DType {
  /** F32 on the CPU; on a GPU the checkpoint's precision: F16 for F16 and BF16 checkpoints. */
  AUTO,
  F32,
  /** Half precision: fast on a GPU; works on the CPU too, slowly (for tiny models and tests). */
  F16;

  /**
   * {@code auto}, {@code f32} or {@code f16} (case-insensitive); {@code bf16} is refused with the
   * reason.
   */
  public static DType parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "auto" -> AUTO;
      case "f32" -> F32;
      case "f16" -> F16;
      case "bf16" ->
          throw new IllegalArgumentException(
              "dtype bf16 is not available: DJL 0.33's PyTorch engine has no BF16 type (a BF16"
                  + " array aborts the JVM, on the CPU and on a GPU alike); use f16 (BF16"
                  + " checkpoints are rounded to F16 while loading) or f32");
      default ->
          throw new IllegalArgumentException("dtype must be auto, f32 or f16, got '" + text + "'");
    };
  }

  /**
   * The concrete weight type for a checkpoint stored as {@code stored} (safetensors dtype {@code
   * F32}, {@code F16} or {@code BF16}) on a GPU ({@code gpu}) or the CPU: never {@code AUTO}.
   */
  public DType resolve(String stored, boolean gpu) {
    if (this != AUTO) return this;
    if (!gpu) return F32;
    return "F16".equals(stored) || "BF16".equals(stored) ? F16 : F32;
  }

  /** The DJL data type of a resolved dtype. */
  public DataType dataType() {
    return switch (this) {
      case F32 -> DataType.FLOAT32;
      case F16 -> DataType.FLOAT16;
      case AUTO -> throw new IllegalStateException("dtype auto is resolved when a model loads");
    };
  }

  /** Bytes per weight element of a resolved dtype. */
  public int bytes() {
    return dataType().getNumOfBytes();
  }

  /** The name used on the command line: {@code auto}, {@code f32}, {@code f16}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The DType of a DJL array type, for reporting: {@code F32} or {@code F16}. */
  public static DType of(DataType type) {
    return switch (type) {
      case FLOAT32 -> F32;
      case FLOAT16 -> F16;
      default -> throw new IllegalArgumentException("not a weight type: " + type);
    };
  }
}
