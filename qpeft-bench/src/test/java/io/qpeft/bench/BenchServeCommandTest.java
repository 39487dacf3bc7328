package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchServeCommandTest {

  @Test
  void batchedAndUnbatchedRunsMatchOfflineScores() {
    BenchRun r =
        BenchRun.of(
            "bench-serve",
            "--model",
            BenchRun.TINY_LLAMA.toString(),
            "--clients",
            "3",
            "--requests",
            "10",
            "--max-seconds",
            "60",
            "--distinct",
            "3",
            "--documents",
            "3",
            "--words",
            "8");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(6, lines.size(), r.out());
    assertTrue(
        lines
            .get(0)
            .startsWith(
                "bench-serve: model "
                    + BenchRun.TINY_LLAMA.toString()
                    + ", 3 clients, up to 10 requests or 60 s per configuration, 3 documents of 8 words per request"),
        lines.get(0));
    assertTrue(lines.get(1).startsWith("offline Reranker.rerank: 3 requests in "), lines.get(1));
    assertTrue(lines.get(2).startsWith("batched   (batch-size 32, wait 5 ms): 10 requests in "));
    assertTrue(lines.get(2).endsWith("status 200=10"), lines.get(2));
    assertTrue(lines.get(3).startsWith("unbatched (batch-size 1):            10 requests in "));
    assertTrue(lines.get(3).endsWith("status 200=10"), lines.get(3));
    assertTrue(lines.get(4).startsWith("batching speed-up: "), lines.get(4));
    // bit-identical unless batching changed the padding of a forward pass (float32 rounding)
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "scores identical: (yes|no) \\(20"
                    + " answers compared with offline Reranker.rerank, (\\d+) differ, max \\|diff\\| (\\S+)\\)")
            .matcher(lines.get(5));
    assertTrue(m.matches(), lines.get(5));
    assertEquals(m.group(2).equals("0") ? "yes" : "no", m.group(1));
    assertTrue(Double.parseDouble(m.group(3)) < 1e-5, lines.get(5));
  }

  @Test
  void refusesANonLoopbackUrl() {
    BenchRun r =
        BenchRun.of(
            "bench-serve",
            "--model",
            BenchRun.TINY_LLAMA.toString(),
            "--url",
            "http://10.1.2.3:8080");
    assertEquals(1, r.exitCode());
    assertEquals(
        "qpeft-bench bench-serve: --url http://10.1.2.3:8080: bench-serve only targets loopback"
            + " (127.0.0.1, ::1, localhost)\n",
        r.err());
  }
}
