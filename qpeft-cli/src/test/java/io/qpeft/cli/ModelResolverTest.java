package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.hub.FakeHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model org/name}: the tiny Llama fixture served by a loopback hub, then from the cache.
 */
class ModelResolverTest {
  static final String COMMIT = "abcdefabcdefabcdefabcdefabcdefabcdefabcd";

  @TempDir Path tmp;

  @AfterEach
  void restoreEnvironment() {
    ModelResolver.environment = System.getenv();
  }

  @Test
  void hubModelIsDownloadedOnceThenScoredFromTheCacheOffline() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> s = Files.list(CliRun.TINY_LLAMA)) {
      for (Path p : s.toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
    }
    Path in =
        Files.write(
            tmp.resolve("in.jsonl"), List.of("{\"prompt_ids\":[1,5,9],\"target_ids\":[7,8]}"));
    CliRun local =
        CliRun.of("score", "--model", CliRun.TINY_LLAMA.toString(), "--input", in.toString());
    assertEquals(0, local.exitCode(), local.err());

    try (FakeHub hub = new FakeHub().commit("qpeft-test/tiny-llama", "main", COMMIT, files)) {
      ModelResolver.environment =
          Map.of("HF_HOME", tmp.resolve("hf").toString(), "HF_ENDPOINT", hub.endpoint());
      CliRun fromHub =
          CliRun.of("score", "--model", "qpeft-test/tiny-llama", "--input", in.toString());
      assertEquals(0, fromHub.exitCode(), fromHub.err());
      assertEquals(local.out(), fromHub.out());
      assertTrue(
          Files.isRegularFile(
              tmp.resolve(
                  "hf/hub/models--qpeft-test--tiny-llama/snapshots/"
                      + COMMIT
                      + "/model.safetensors")));

      hub.clearSeen();
      ModelResolver.environment =
          Map.of(
              "HF_HOME",
              tmp.resolve("hf").toString(),
              "HF_ENDPOINT",
              hub.endpoint(),
              "HF_HUB_OFFLINE",
              "1");
      CliRun offline =
          CliRun.of("score", "--model", "qpeft-test/tiny-llama@main", "--input", in.toString());
      assertEquals(local.out(), offline.out());
      assertEquals(List.of(), hub.seen());

      CliRun missing = CliRun.of("score", "--model", "qpeft-test/other", "--input", in.toString());
      assertEquals(1, missing.exitCode());
      assertTrue(
          missing
              .err()
              .startsWith("qpeft score: HF_HUB_OFFLINE is set but qpeft-test/other@main is not"),
          missing.err());
    }
  }
}
