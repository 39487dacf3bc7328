package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one CLI convention, tried on every command as a new user would: a missing file and a
 * malformed line end with one line {@code qpeft <command>: problem} and exit code 1, a wrong option
 * with picocli's message and the usage and exit code 2; never a stack trace.
 */
class CliErrorsTest {
  @TempDir Path tmp;

  private final String model = CliRun.TINY_LLAMA.toString();

  /** Exit code 1 and exactly {@code expected} (one line) on stderr. */
  private static void oneLine(String expected, CliRun run) {
    assertEquals(1, run.exitCode(), run.err());
    assertEquals(expected + "\n", run.err());
  }

  /** Exit code 1 and one line starting with {@code prefix} on stderr. */
  private static void oneLineStarting(String prefix, CliRun run) {
    assertEquals(1, run.exitCode(), run.err());
    assertTrue(run.err().startsWith(prefix), run.err());
    assertEquals(1, run.err().lines().count(), run.err());
  }

  /** Exit code 2, picocli's message first, then the usage, and no stack trace. */
  private static void usageError(String message, CliRun run) {
    assertEquals(2, run.exitCode(), run.err());
    assertTrue(run.err().startsWith(message + "\n"), run.err());
    assertTrue(run.err().contains("Usage: qpeft "), run.err());
    assertFalse(run.err().contains("\tat "), run.err());
  }

  private String write(String name, String... lines) throws Exception {
    return Files.write(tmp.resolve(name), List.of(lines)).toString();
  }

  private String missing(String name) {
    return tmp.resolve(name).toString();
  }

  @Test
  void score() throws Exception {
    oneLine(
        "qpeft score: --input " + missing("none.jsonl") + ": no such file",
        CliRun.of("score", "--model", model, "--input", missing("none.jsonl")));
    String bad = write("bad.jsonl", "{\"prompt\": \"a\", \"target\": \"b\"}", "{\"prompt\":");
    oneLineStarting(
        "qpeft score: " + bad + ":2: ", CliRun.of("score", "--model", model, "--input", bad));
    usageError(
        "Invalid value for option '--batch-tokens': 'many' is not an int",
        CliRun.of("score", "--model", model, "--input", bad, "--batch-tokens", "many"));
  }

  @Test
  void rerank() throws Exception {
    String out = missing("out.trec");
    oneLine(
        "qpeft rerank: candidates file "
            + missing("none.jsonl")
            + " does not exist (or is a folder without part files)",
        CliRun.of("rerank", "--model", model, "--input", missing("none.jsonl"), "--output", out));
    String bad =
        write(
            "bad.jsonl",
            "{\"query\":{\"qid\":\"q1\",\"text\":\"x\"},\"candidates\":[{\"docid\":\"d\",\"doc\":{\"text\":\"t\"}}]}",
            "{\"query\":");
    oneLineStarting(
        "qpeft rerank: " + bad + ":2: invalid JSON",
        CliRun.of("rerank", "--model", model, "--input", bad, "--output", out));
    assertFalse(Files.exists(tmp.resolve("out.trec")));
    usageError(
        "Unknown option: '--bogus'",
        CliRun.of("rerank", "--model", model, "--input", bad, "--output", out, "--bogus"));
  }

  @Test
  void indexRetrieveEval() throws Exception {
    String index = missing("index");
    oneLine(
        "qpeft index: collection " + missing("none.jsonl") + " does not exist",
        CliRun.of("index", "--corpus", missing("none.jsonl"), "--index", index));
    String bad = write("bad.jsonl", "{\"_id\": \"a\", \"text\": \"cat\"}", "{not json");
    oneLineStarting(
        "qpeft index: " + bad + ":2: invalid JSON",
        CliRun.of("index", "--corpus", bad, "--index", index));
    usageError(
        "Unknown option: '--bogus'",
        CliRun.of("index", "--corpus", bad, "--index", index, "--bogus"));

    // the failed runs above leave nothing that blocks a good one into the same folder
    String corpus = write("corpus.jsonl", "{\"_id\": \"a\", \"text\": \"cat\"}");
    CliRun indexed = CliRun.of("index", "--corpus", corpus, "--index", index);
    assertEquals(0, indexed.exitCode(), indexed.err());
    String queries = write("q.tsv", "q1\tcat");
    String run = missing("run.trec");
    oneLine(
        "qpeft retrieve: index folder "
            + missing("none")
            + " does not exist (build it with 'qpeft index')",
        CliRun.of("retrieve", "--index", missing("none"), "--queries", queries, "--run", run));
    String badQueries = write("bad.tsv", "q1\tcat", "no tab here");
    oneLine(
        "qpeft retrieve: " + badQueries + ":2: expected 'qid<TAB>query text'",
        CliRun.of("retrieve", "--index", index, "--queries", badQueries, "--run", run));
    oneLine(
        "qpeft retrieve: --hits must be positive, got 0",
        CliRun.of("retrieve", "--index", index, "--queries", queries, "--run", run, "--hits", "0"));
    usageError(
        "give --run and/or --jsonl", CliRun.of("retrieve", "--index", index, "--queries", queries));

    String qrels = write("qrels.txt", "q1 0 a 1");
    oneLine(
        "qpeft eval: run "
            + missing("none.trec")
            + " does not exist (a run is a file or a job's output folder)",
        CliRun.of("eval", "--run", missing("none.trec"), "--qrels", qrels));
    String good = write("good.trec", "q1 Q0 a 1 1.0 t");
    String badQrels = write("bad-qrels.txt", "q1 0 a 1", "q1 0 b");
    oneLineStarting(
        "qpeft eval: " + badQrels + ":2: ", CliRun.of("eval", "--run", good, "--qrels", badQrels));
    usageError(
        "Error: Missing required argument (specify one of these): (--qrels=FILE | --answers=FILE)",
        CliRun.of("eval", "--run", good));
  }

  @Test
  void train() throws Exception {
    String out = missing("adapter");
    oneLine(
        "qpeft train: --train " + missing("none.json") + ": no such file or folder",
        CliRun.of(
            "train",
            "--model",
            model,
            "--variant",
            "retrieval",
            "--train",
            missing("none.json"),
            "--output",
            out));
    String bad =
        write(
            "bad.json",
            "[{\"question\":\"q\",\"answers\":[\"a\"],\"positive_ctxs\":[{\"title\":\"t\",\"text\":\"x\"}]},",
            "{bad");
    oneLineStarting(
        "qpeft train: " + bad + ":2: invalid JSON",
        CliRun.of(
            "train", "--model", model, "--variant", "retrieval", "--train", bad, "--output", out));
    usageError(
        "Invalid value for option '--epochs': 'two' is not an int",
        CliRun.of(
            "train",
            "--model",
            model,
            "--variant",
            "retrieval",
            "--train",
            bad,
            "--output",
            out,
            "--epochs",
            "two"));
  }

  @Test
  void serve() {
    oneLine(
        "qpeft serve: --model "
            + missing("none")
            + ": no such folder, and not a hub id (org/name[@revision])",
        CliRun.of("serve", "--model", missing("none")));
    usageError("Unknown option: '--bogus'", CliRun.of("serve", "--model", model, "--bogus"));
  }

  @Test
  void describeNamesTheFileAndTheProblem() {
    assertEquals(
        "no such file: x.json", Cli.describe(new java.nio.file.NoSuchFileException("x.json")));
    assertEquals(
        "cannot read x.json: no such file",
        Cli.describe(
            new java.io.UncheckedIOException(
                "cannot read x.json", new java.nio.file.NoSuchFileException("x.json"))));
    assertEquals(
        "cannot write out: disk full",
        Cli.describe(
            new java.io.UncheckedIOException(
                "cannot write out", new java.io.IOException("disk full"))));
  }
}
