package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end runs of {@code qpeft score} on the tiny Llama fixture, checked against golden values.
 */
class ScoreCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static JsonNode golden;

  @TempDir Path tmp;

  @BeforeAll
  static void readGolden() throws IOException {
    golden = JSON.readTree(CliRun.GOLDEN_TINY_LLAMA.toFile());
  }

  @Test
  void scoresTokenIdLinesInInputOrderLikeTheGoldenReference() throws IOException {
    List<JsonNode> cases = new ArrayList<>();
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
    Path in = Files.write(tmp.resolve("in.jsonl"), lines);
    Path out = tmp.resolve("out/scores.jsonl");

    CliRun run =
        CliRun.of(
            "score",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--batch-tokens",
            "200");

    assertEquals(0, run.exitCode(), run.err());
    List<String> got = Files.readAllLines(out);
    assertEquals(cases.size(), got.size());
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      JsonNode o = JSON.readTree(got.get(i));
      assertEquals(
          List.of("target_ids", "target_logprobs", "sum_logprob", "mean_logprob"),
          fieldNames(o),
          got.get(i));
      assertEquals(c.get("target_ids"), o.get("target_ids"), c.get("name").asText());
      for (int t = 0; t < c.get("target_ids").size(); t++) {
        assertEquals(
            c.get("target_logprobs").get(t).asDouble(),
            o.get("target_logprobs").get(t).asDouble(),
            1e-4,
            c.get("name").asText() + " token " + t);
      }
      int n = c.get("target_ids").size();
      assertEquals(c.get("sum_logprob").asDouble(), o.get("sum_logprob").asDouble(), 1e-4 * n);
      assertEquals(c.get("mean_logprob").asDouble(), o.get("mean_logprob").asDouble(), 1e-4);
    }
    try (var files = Files.list(out.getParent())) {
      assertEquals(List.of(out), files.toList()); // no temporary file left behind
    }
  }

  @Test
  void textIsTokenizedWithTheModelsTokenizerAndStdoutIsTheDefault() throws IOException {
    String prompt = "Passage: The Nile flows north into the Mediterranean Sea.\nQuestion:";
    String target = " Where does the Nile flow?";
    int[] promptIds;
    int[] targetIds;
    try (TextTokenizer tok = TextTokenizer.load(CliRun.TINY_LLAMA)) {
      promptIds = tok.encodeWithSpecialTokens(prompt);
      targetIds = tok.encode(target);
    }
    Path in =
        Files.write(
            tmp.resolve("in.jsonl"),
            List.of(
                JSON.writeValueAsString(
                    JSON.createObjectNode()
                        .put("id", "q1")
                        .put("prompt", prompt)
                        .put("target", target)),
                "{\"prompt_ids\":"
                    + Arrays.toString(promptIds)
                    + ",\"target_ids\":"
                    + Arrays.toString(targetIds)
                    + "}"));

    CliRun run =
        CliRun.of("score", "--model", CliRun.TINY_LLAMA.toString(), "--input", in.toString());

    assertEquals(0, run.exitCode(), run.err());
    String[] lines = run.out().split("\n");
    assertEquals(2, lines.length, run.out());
    assertTrue(
        lines[0].startsWith(
            "{\"id\":\"q1\",\"target_ids\":" + Arrays.toString(targetIds).replace(" ", "") + ","),
        lines[0]);
    assertEquals(lines[1], lines[0].replace("{\"id\":\"q1\",", "{"));
  }

  @Test
  void malformedLinesFailNamingFileAndLineOrAreSkippedInPlace() throws IOException {
    Path in =
        Files.write(
            tmp.resolve("in.jsonl"),
            List.of(
                "{\"prompt_ids\":[1,5],\"target_ids\":[7]}",
                "{\"prompt_ids\":[1,5],\"target_ids\":[7000]}",
                "not json",
                "{\"prompt_ids\":[1],\"target_ids\":[]}",
                "{\"prompt\":\"a\",\"prompt_ids\":[1],\"target\":\"b\"}",
                "{\"prompt_ids\":[1,5],\"target_ids\":[7]}"));
    Path out = tmp.resolve("scores.jsonl");
    Files.writeString(out, "old\n");

    CliRun failed =
        CliRun.of(
            "score",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--input",
            in.toString(),
            "--output",
            out.toString());
    assertEquals(1, failed.exitCode());
    assertEquals(
        "qpeft score: " + in + ":2: \"target_ids\"[0] = 7000 is not a token id in [0, 960)\n",
        failed.err());
    assertEquals("old\n", Files.readString(out)); // a failed run leaves the old output alone

    CliRun skipped =
        CliRun.of(
            "score",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--on-error",
            "skip");
    assertEquals(0, skipped.exitCode(), skipped.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(6, lines.size());
    assertEquals(
        "{\"error\":\"" + in + ":2: \\\"target_ids\\\"[0] = 7000 is not a token id in [0, 960)\"}",
        lines.get(1));
    assertTrue(
        lines.get(2).startsWith("{\"error\":\"" + in + ":3: not valid JSON: "), lines.get(2));
    assertEquals("{\"error\":\"" + in + ":4: targetIds must not be empty\"}", lines.get(3));
    assertEquals(
        "{\"error\":\""
            + in
            + ":5: give exactly one of \\\"prompt_ids\\\" (token ids) and \\\"prompt\\\" (text)\"}",
        lines.get(4));
    assertEquals(lines.get(0), lines.get(5));
    assertFalse(lines.get(0).contains("error"));
    assertTrue(skipped.err().contains("skipped 4 malformed line(s)"), skipped.err());
  }

  @Test
  void missingModelOrInputIsAOneLineError() {
    CliRun noModel =
        CliRun.of("score", "--model", tmp.resolve("nope").toString(), "--input", "x.jsonl");
    assertEquals(1, noModel.exitCode());
    assertEquals("qpeft score: --input x.jsonl: no such file\n", noModel.err());
    CliRun badId =
        CliRun.of(
            "score", "--model", "not a model", "--input", CliRun.GOLDEN_TINY_LLAMA.toString());
    assertEquals(
        "qpeft score: --model not a model: no such folder, and not a hub id (org/name[@revision])\n",
        badId.err());
  }

  static List<String> fieldNames(JsonNode o) {
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
