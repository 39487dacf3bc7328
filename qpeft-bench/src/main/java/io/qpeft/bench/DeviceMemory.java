package io.qpeft.bench;

import io.qpeft.model.Placement;
import java.io.PrintWriter;
import java.util.OptionalLong;

/**
 * GPU memory in use during a benchmark: sampled at points the benchmark chooses, the highest kept.
 * It is the whole device's (total minus free, as the CUDA runtime reports it); PyTorch's caching
 * allocator keeps what it reserves, so the samples after a run are close to that run's peak. On the
 * CPU there is nothing to sample (peak RSS is reported instead).
 */
final class DeviceMemory {
  private final Placement placement;
  private final long baseline;
  private long peak = -1;

  /** Starts with the memory already in use (after the model was loaded). */
  DeviceMemory(Placement placement) {
    this.placement = placement;
    OptionalLong used = placement.usedMemory();
    this.baseline = used.orElse(-1);
    this.peak = baseline;
  }

  void sample() {
    OptionalLong used = placement.usedMemory();
    if (used.isPresent()) peak = Math.max(peak, used.getAsLong());
  }

  void report(PrintWriter out) {
    if (!placement.isGpu()) return;
    if (peak < 0) {
      out.println("device memory: not available (the system's libcudart could not be loaded)");
      return;
    }
    out.printf(
        "device memory: %.2f GiB in use after loading, %.2f GiB at the highest sample"
            + " (whole device, PyTorch's cache included)%n",
        baseline / (double) (1L << 30), peak / (double) (1L << 30));
  }
}
