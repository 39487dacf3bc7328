package io.qpeft.cli;

import io.qpeft.model.EngineOptions;
import io.qpeft.model.TransformerLm;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --device} and {@code --dtype}: where a command's model runs and in what precision (see
 * {@link EngineOptions}). Part of {@link ModelOptions}; the benchmarks, whose model is optional,
 * take it on its own.
 */
public final class DeviceOptions {
  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "auto",
      description =
          "auto (the first GPU if the CUDA build sees one, else the CPU), cpu, cuda or cuda:N"
              + " (default: ${DEFAULT-VALUE}). GPUs need the CUDA build: ./mvnw -Pgpu package.")
  String device;

  @Option(
      names = "--dtype",
      paramLabel = "DTYPE",
      defaultValue = "auto",
      description =
          "Weights and forward pass: auto (F32 on the CPU; on a GPU the checkpoint's half"
              + " precision, BF16 as F16), f32 or f16 (default: ${DEFAULT-VALUE}). Log-probabilities"
              + " and scores are always computed in F32.")
  String dtype;

  /** {@code --device} and {@code --dtype}, checked: a bad value names the option. */
  public EngineOptions engineOptions() {
    return EngineOptions.fromFlags(device, dtype);
  }

  /**
   * The start-up line: {@code <command>: device cpu, PyTorch 2.5.1, CPU build, dtype f32, 2048
   * tokens per forward pass}.
   */
  public static void announce(PrintWriter err, String command, TransformerLm lm, int batchTokens) {
    err.println(
        command
            + ": "
            + lm.placement().describe()
            + ", "
            + batchTokens
            + " tokens per forward pass");
    err.flush();
  }
}
