package io.qpeft.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Peak resident set size of this process (VmHWM in /proc/self/status), for the benchmarks. */
public final class PeakMemory {
  private PeakMemory() {}

  /** The VmHWM value as Linux writes it, e.g. {@code "3041416 kB"}, or {@code "n/a"} elsewhere. */
  public static String rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return line.substring(6).trim();
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: no figure
    }
    return "n/a";
  }

  /** VmHWM in KiB, or 0 where it is not available. */
  static long rssKb() {
    String digits = rss().replaceAll("[^0-9]", "");
    return digits.isEmpty() ? 0 : Long.parseLong(digits);
  }
}
