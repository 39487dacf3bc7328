package io.qpeft.model;

import ai.djl.Device;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and in what precision a model runs: {@code --device auto|cpu|cuda|cuda:N}, {@code --dtype
 * auto|f32|f16} and {@code --batch-tokens} (0: derived from the device, see {@link MemoryBudget}).
 * Build one with {@link #builder()}; {@link #place(EngineBuild)} turns it into a concrete device,
 * or one line saying why the requested one cannot be had and what to do.
 *
 * <p>{@code auto} is the first GPU when the CUDA build of PyTorch is on the class path and a GPU is
 * visible, else the CPU.
 */
public final class EngineOptions {
  /** What {@code --device} asked for. */
  private enum Kind {
    AUTO,
    CPU,
    CUDA
  }

  private static final EngineOptions DEFAULTS = builder().build();

  private final Kind kind;
  private final int index; // cuda:N; -1 when no index was given
  private final DType dtype;

  private EngineOptions(Builder b) {
    this.kind = b.kind;
    this.index = b.index;
    this.dtype = b.dtype;
  }

  /** auto device, auto dtype. */
  public static EngineOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The options of a command line's {@code --device} and {@code --dtype} values; a bad value fails
   * naming its flag ({@code --device must be auto, cpu, cuda or cuda:N, got 'gpu0'}).
   */
  public static EngineOptions fromFlags(String device, String dtype) {
    Builder b = builder();
    try {
      b.optDevice(device);
      b.optDType(dtype);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + e.getMessage(), e);
    }
    return b.build();
  }

  public DType dtype() {
    return dtype;
  }

  /** The device as asked for: {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}. */
  public String device() {
    return kind == Kind.CUDA && index >= 0 ? "cuda:" + index : kind.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The device these options select on {@code build}, with the dtype still as asked ({@code auto}
   * is resolved when the checkpoint's dtype is known).
   *
   * @throws IllegalArgumentException when a GPU is asked for and none can be had: the message says
   *     what to do
   */
  public Placement place(EngineBuild build) {
    Device device =
        switch (kind) {
          case CPU -> Device.cpu();
          case AUTO -> build.gpuCount() > 0 ? Device.gpu(0) : Device.cpu();
          case CUDA -> cuda(build);
        };
    return new Placement(device, dtype, build);
  }

  private Device cuda(EngineBuild build) {
    if (build.gpuCount() == 0) {
      if (!build.isCuda() && !build.flavor().equals("unknown")) {
        throw new IllegalArgumentException(
            "device "
                + device()
                + " needs the CUDA build of PyTorch, but this is the "
                + build.label()
                + " build: rebuild with ./mvnw -Pgpu package (PyTorch 2.5.1 for CUDA 12.4, an"
                + " NVIDIA driver >= 525), or use --device cpu");
      }
      throw new IllegalArgumentException(
          "device "
              + device()
              + ": no GPU is visible to PyTorch ("
              + build.label()
              + " build): check the NVIDIA driver (nvidia-smi must list the GPU; CUDA 12.4 needs"
              + " driver >= 525) and CUDA_VISIBLE_DEVICES, or use --device cpu");
    }
    int n = Math.max(0, index);
    if (n >= build.gpuCount()) {
      throw new IllegalArgumentException(
          "device cuda:"
              + n
              + " does not exist: "
              + build.gpuCount()
              + " GPU(s) visible (cuda:0"
              + (build.gpuCount() > 1 ? " to cuda:" + (build.gpuCount() - 1) : "")
              + ")");
    }
    return Device.gpu(n);
  }

  @Override
  public String toString() {
    return "device " + device() + ", dtype " + dtype.label();
  }

  /** Builder: every setting is optional ({@code optX}). */
  public static final class Builder {
    private Kind kind = Kind.AUTO;
    private int index = -1;
    private DType dtype = DType.AUTO;

    /** {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N} (case-insensitive). */
    public Builder optDevice(String device) {
      String d = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
      String allowed = "device must be auto, cpu, cuda or cuda:N, got '" + device + "'";
      if (d.equals("auto")) {
        kind = Kind.AUTO;
        index = -1;
      } else if (d.equals("cpu")) {
        kind = Kind.CPU;
        index = -1;
      } else if (d.equals("cuda")) {
        kind = Kind.CUDA;
        index = -1;
      } else if (d.startsWith("cuda:") && d.length() > 5 && d.substring(5).matches("[0-9]{1,3}")) {
        kind = Kind.CUDA;
        index = Integer.parseInt(d.substring(5));
      } else {
        throw new IllegalArgumentException(allowed);
      }
      return this;
    }

    public Builder optDType(DType dtype) {
      this.dtype = Objects.requireNonNull(dtype, "dtype");
      return this;
    }

    /** {@code auto}, {@code f32} or {@code f16}; see {@link DType#parse}. */
    public Builder optDType(String dtype) {
      return optDType(DType.parse(dtype));
    }

    public EngineOptions build() {
      return new EngineOptions(this);
    }
  }
}
