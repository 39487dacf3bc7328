package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.model.EngineBuild;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --device} and {@code --dtype} on the command line: the start-up line, F16 on the CPU
 * against the goldens, and one-line errors for what cannot be had.
 */
class DeviceOptionsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private CliRun score(Path in, Path out, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "score",
                "--model",
                CliRun.TINY_LLAMA.toString(),
                "--input",
                in.toString(),
                "--output",
                out.toString()));
    args.addAll(List.of(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private Path goldenInput(List<JsonNode> cases) throws IOException {
    JsonNode golden = JSON.readTree(CliRun.GOLDEN_TINY_LLAMA.toFile());
    golden.get("logprob_cases").forEach(cases::add);
    List<String> lines = new ArrayList<>();
    for (JsonNode c : cases) {
      lines.add(
          "{\"prompt_ids\":"
              + c.get("prompt_ids")
              + ",\"target_ids\":"
              + c.get("target_ids")
              + "}");
    }
    return Files.write(tmp.resolve("in.jsonl"), lines);
  }

  @Test
  void f16OnTheCpuSaysSoAndStaysWithinATenthOfTheGoldens() throws IOException {
    List<JsonNode> cases = new ArrayList<>();
    Path in = goldenInput(cases);
    Path out = tmp.resolve("scores.jsonl");
    CliRun run = score(in, out, "--device", "cpu", "--dtype", "f16");
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(
        List.of(
            "qpeft score: device cpu, PyTorch 2.5.1, "
                + EngineBuild.detect().label()
                + " build, dtype f16, 2048 tokens per forward pass"),
        run.startup());
    List<String> got = Files.readAllLines(out);
    for (int i = 0; i < cases.size(); i++) {
      JsonNode want = cases.get(i).get("target_logprobs");
      JsonNode have = JSON.readTree(got.get(i)).get("target_logprobs");
      for (int t = 0; t < want.size(); t++) {
        assertEquals(want.get(t).asDouble(), have.get(t).asDouble(), 0.1, "case " + i);
      }
    }
  }

  @Test
  void theDefaultIsF32WithTheMeasuredBudgetOnTheCpuBuild() throws IOException {
    assumeTrue(EngineBuild.detect().gpuCount() == 0, "a GPU is visible: auto picks it");
    Path in = goldenInput(new ArrayList<>());
    CliRun run = score(in, tmp.resolve("scores.jsonl"), "--batch-tokens", "300");
    assertEquals(0, run.exitCode(), run.err());
    assertEquals(1, run.startup().size(), run.err());
    assertTrue(
        run.startup().get(0).endsWith(", dtype f32, 300 tokens per forward pass"),
        run.startup().get(0));
  }

  @Test
  void unavailableOrMisspelledDevicesAndDtypesAreOneLineErrors() throws IOException {
    Path in = goldenInput(new ArrayList<>());
    Path out = tmp.resolve("scores.jsonl");
    CliRun bad = score(in, out, "--device", "tpu");
    assertEquals(1, bad.exitCode());
    assertEquals("qpeft score: --device must be auto, cpu, cuda or cuda:N, got 'tpu'\n", bad.err());
    CliRun bf16 = score(in, out, "--dtype", "bf16");
    assertEquals(1, bf16.exitCode());
    assertTrue(bf16.err().startsWith("qpeft score: --dtype bf16 is not available"), bf16.err());
    assertEquals(1, bf16.err().lines().count(), bf16.err());
    assertFalse(Files.exists(out));
    if (EngineBuild.detect().flavor().equals("cpu")) {
      CliRun cuda = score(in, out, "--device", "cuda");
      assertEquals(1, cuda.exitCode());
      assertEquals(1, cuda.err().lines().count(), cuda.err());
      assertTrue(
          cuda.err()
              .startsWith(
                  "qpeft score: device cuda needs the CUDA build of PyTorch, but this is the CPU"
                      + " build: rebuild with ./mvnw -Pgpu package"),
          cuda.err());
      assertFalse(Files.exists(out));
    }
  }
}
