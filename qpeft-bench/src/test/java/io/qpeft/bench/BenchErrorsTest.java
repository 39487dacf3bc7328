package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The CLI convention on the benchmarks: one line and exit 1 for bad values, 2 for usage. */
class BenchErrorsTest {
  private static void oneLine(String expected, BenchRun run) {
    assertEquals(1, run.exitCode(), run.err());
    assertEquals(expected + "\n", run.err());
  }

  @Test
  void badValuesAreOneLine() {
    oneLine(
        "qpeft-bench bench: --queries must be positive, got 0",
        BenchRun.of("bench", "--queries", "0"));
    oneLine(
        "qpeft-bench bench: --model nope/none/x: no such folder, and not a hub id"
            + " (org/name[@revision])",
        BenchRun.of("bench", "--model", "nope/none/x"));
    oneLine(
        "qpeft-bench bench-retrieval: --threads must be positive, got 0",
        BenchRun.of("bench-retrieval", "--threads", "0"));
    oneLine(
        "qpeft-bench bench-formats: --lines must be positive, got 0",
        BenchRun.of("bench-formats", "--lines", "0"));
    oneLine(
        "qpeft-bench bench-serve: --rounds must be positive, got 0",
        BenchRun.of("bench-serve", "--model", BenchRun.TINY_LLAMA.toString(), "--rounds", "0"));
    oneLine(
        "qpeft-bench bench-train: --hidden 768 must be a multiple of --heads 5",
        BenchRun.of("bench-train", "--task", "throughput", "--tokenizer", "x", "--heads", "5"));
  }

  @Test
  void wrongOptionsAreUsageErrors() {
    for (String command : new String[] {"bench", "bench-retrieval", "bench-formats"}) {
      BenchRun run = BenchRun.of(command, "--bogus");
      assertEquals(2, run.exitCode(), run.err());
      assertTrue(run.err().startsWith("Unknown option: '--bogus'\n"), run.err());
      assertTrue(run.err().contains("Usage: qpeft-bench " + command), run.err());
    }
    BenchRun serve = BenchRun.of("bench-serve");
    assertEquals(2, serve.exitCode());
    assertTrue(serve.err().startsWith("Missing required option: '--model=MODEL'"), serve.err());
  }
}
