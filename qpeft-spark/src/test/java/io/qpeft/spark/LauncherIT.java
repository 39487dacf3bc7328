package io.qpeft.spark;

import static io.qpeft.spark.SparkTests.EXAMPLE;
import static io.qpeft.spark.SparkTests.TINY_LLAMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.CandidatesSource;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/qpeft-spark} as a user runs it, on the packaged job jar: the relocated Jackson, Gson
 * and commons-compress of the jar next to Spark's own copies, the PyTorch native library from the
 * jar, the one-line error of a bad record.
 */
class LauncherIT {
  static final Path LAUNCHER = Path.of("../bin/qpeft-spark").toAbsolutePath();

  @TempDir Path dir;

  record Run(int exitCode, String stderr) {}

  private Run launch(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
    command.addAll(List.of(args));
    Path err = dir.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(false)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    assertTrue(p.waitFor(5, TimeUnit.MINUTES), "bin/qpeft-spark did not finish");
    return new Run(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void reranksTheExampleLikeTheLibrary() throws Exception {
    Path out = dir.resolve("reranked");
    Run r =
        launch(
            "--master",
            "local[2]",
            "--model",
            TINY_LLAMA.toString(),
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString());
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stderr().contains("qpeft-spark: scored 5 queries, 100 passages in "), r.stderr());
    assertTrue(
        r.stderr().contains("qpeft-spark: wrote " + out + " (trec, 4 part files + _SUCCESS)"),
        r.stderr());
    try (Reranker upr = UprReranker.open(TINY_LLAMA)) {
      SparkTests.assertSameRun(
          SparkTests.library(upr, CandidatesSource.jsonl(EXAMPLE)), SparkTests.run(out));
    }
  }

  @Test
  void aBadRecordIsOneLineAndExitCode1() throws Exception {
    Path input = dir.resolve("bad.jsonl");
    Files.write(input, List.of(Files.readAllLines(EXAMPLE).get(0), "{\"query\": 3"));
    Run r =
        launch(
            "--master",
            "local[1]",
            "--model",
            TINY_LLAMA.toString(),
            "--input",
            input.toString(),
            "--output",
            dir.resolve("out").toString());
    assertEquals(1, r.exitCode(), r.stderr());
    List<String> mine = r.stderr().lines().filter(l -> l.startsWith("qpeft-spark:")).toList();
    assertEquals(1, mine.size(), r.stderr());
    assertTrue(
        mine.get(0).startsWith("qpeft-spark: file:" + input + ":2: invalid JSON"), mine.get(0));
  }
}
