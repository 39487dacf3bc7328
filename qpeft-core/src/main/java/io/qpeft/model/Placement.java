package io.qpeft.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A concrete device with the engine build it runs on, and the weight dtype ({@code auto} until the
 * checkpoint's dtype is known, see {@link #resolve}). Made by {@link EngineOptions#place}.
 */
public record Placement(Device device, DType dtype, EngineBuild build) {
  public Placement {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(build, "build");
  }

  /** The CPU with F32 weights: what everything ran on before devices could be chosen. */
  public static Placement cpu() {
    return new Placement(Device.cpu(), DType.F32, EngineBuild.detect());
  }

  public boolean isGpu() {
    return device.isGpu();
  }

  /** This placement with {@code auto} resolved for a checkpoint stored as {@code stored}. */
  public Placement resolve(String stored) {
    return new Placement(device, dtype.resolve(stored, isGpu()), build);
  }

  /** {@code cpu} or {@code cuda:N}, as {@code --device} spells it. */
  public String deviceName() {
    return isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
  }

  /**
   * Free and total memory of the GPU in bytes ({@code [free, total]}), when the CUDA runtime can be
   * asked; empty on the CPU.
   */
  public OptionalLong freeMemory() {
    long[] m = memory();
    return m == null ? OptionalLong.empty() : OptionalLong.of(m[0]);
  }

  private long[] memory() {
    if (!isGpu()) return null;
    try {
      MemoryUsage u = CudaUtils.getGpuMemory(device);
      return new long[] {u.getMax() - u.getUsed(), u.getMax()};
    } catch (IllegalStateException | IllegalArgumentException | EngineException e) {
      return null; // the system's libcudart is not loadable: memory is unknown
    }
  }

  /**
   * One line for start-up messages, e.g. {@code device cuda:0 (80.0 GiB, 61.2 GiB free), PyTorch
   * 2.5.1, CUDA 12.4 build, dtype f16}.
   */
  public String describe() {
    StringBuilder s = new StringBuilder("device ").append(deviceName());
    long[] m = memory();
    if (m != null) {
      s.append(String.format(Locale.ROOT, " (%.1f GiB, %.1f GiB free)", gib(m[1]), gib(m[0])));
    }
    return s.append(", ")
        .append(build.describe())
        .append(", dtype ")
        .append(dtype.label())
        .toString();
  }

  private static double gib(long bytes) {
    return bytes / (double) (1L << 30);
  }
}
