package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end runs of {@code qpeft eval} on tiny files, asserting exact output. The values are
 * computed by hand in the comments (and in RankMeasureTest for the same qrels and run-a).
 */
class EvalCommandTest {
  @TempDir Path dir;
  private String stdout;
  private String stderr;

  @BeforeEach
  void files() throws Exception {
    Files.writeString(
        dir.resolve("qrels.txt"),
        "q1 0 d1 2\nq1 0 d2 1\nq1 0 d3 0\nq1 0 d4 1\nq2 0 d5 1\nq3 0 d9 1\n");
    Files.writeString(
        dir.resolve("run-a.trec"),
        "q1 Q0 d3 1 3.0 base\nq1 Q0 d1 2 2.0 base\nq1 Q0 d2 3 2.0 base\nq1 Q0 d7 4 1.0 base\n"
            + "q2 Q0 d6 1 5.0 base\nq2 Q0 d5 2 4.0 base\nq4 Q0 d1 1 1.0 base\n");
    Files.writeString(
        dir.resolve("run-b.trec"),
        "q1 Q0 d1 1 9 rr\nq1 Q0 d2 2 8 rr\nq1 Q0 d3 3 7 rr\nq1 Q0 d7 4 6 rr\n"
            + "q2 Q0 d5 1 5 rr\nq2 Q0 d6 2 4 rr\nq3 Q0 d8 1 1 rr\n");
  }

  private int run(String... args) {
    CliRun r = CliRun.of(args);
    stdout = r.out();
    stderr = r.err();
    return r.exitCode();
  }

  private String p(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void comparesTwoTrecRunsAgainstQrels() throws Exception {
    int code =
        run(
            "eval",
            "--run",
            p("run-a.trec"),
            "--run",
            p("run-b.trec"),
            "--qrels",
            p("qrels.txt"),
            "--measures",
            "P@2,RR@10,AP,Recall@2",
            "--json",
            p("out.json"));
    assertEquals(0, code, stderr);
    // run-a: P@2 (.5+.5+0)/3, RR (.5+.5+0)/3, AP (7/18+.5+0)/3, Recall@2 (.5+1)/2 (q3 undefined)
    // run-b: P@2 (1+.5+0)/3, RR (1+1+0)/3, AP (2/3+1+0)/3, Recall@2 (1+1)/2
    // p-values: paired t-test on per-query differences (scipy ttest_rel gives the same)
    assertEquals(
        List.of(
            "queries: 3",
            "run-a.trec: 1 judged queries not in the run (scored 0)",
            "measure   run-a.trec  run-b.trec   change  p-value",
            "P@2           0.3333      0.5000   +50.0%   0.4226",
            "RR@10         0.3333      0.6667  +100.0%   0.1835",
            "AP            0.2963      0.5556   +87.5%   0.2149",
            "Recall@2      0.7500      1.0000   +33.3%   0.5000"),
        stdout.lines().toList());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("out.json").toFile());
    assertEquals(3, json.get("queries").asInt());
    assertEquals(0.75, json.get("runs").get(0).get("measures").get("Recall@2").asDouble(), 1e-12);
    assertTrue(json.get("runs").get(0).get("per_query").get("q3").get("Recall@2").isNull());
    assertEquals(
        0.5, json.get("runs").get(1).get("vs_first").get("P@2").get("change").asDouble(), 1e-12);
  }

  @Test
  void aJobOutputFolderIsARun() throws Exception {
    // run-b split over two part files, as qpeft-spark writes it
    Path folder = dir.resolve("spark").resolve("run-b.trec");
    Files.createDirectories(folder);
    List<String> lines = Files.readAllLines(dir.resolve("run-b.trec"));
    Files.write(folder.resolve("part-00000"), lines.subList(0, 4));
    Files.write(folder.resolve("part-00001"), lines.subList(4, lines.size()));
    Files.writeString(folder.resolve("_SUCCESS"), "");
    assertEquals(0, run("eval", "--run", p("run-b.trec"), "--qrels", p("qrels.txt")), stderr);
    String fromFile = stdout;
    assertEquals(0, run("eval", "--run", folder.toString(), "--qrels", p("qrels.txt")), stderr);
    assertEquals(fromFile, stdout);
    Files.delete(folder.resolve("_SUCCESS"));
    assertEquals(1, run("eval", "--run", folder.toString(), "--qrels", p("qrels.txt")));
    assertTrue(stderr.contains("has no _SUCCESS marker"), stderr);
  }

  @Test
  void perQueryLines() {
    assertEquals(
        0,
        run(
            "eval",
            "--run",
            p("run-a.trec"),
            "--qrels",
            p("qrels.txt"),
            "--measures",
            "RR@10",
            "--per-query"),
        stderr);
    assertEquals(
        List.of(
            "run-a.trec\tRR@10\tq1\t0.5000",
            "run-a.trec\tRR@10\tq2\t0.5000",
            "run-a.trec\tRR@10\tq3\t0.0000",
            "queries: 3",
            "run-a.trec: 1 judged queries not in the run (scored 0)",
            "measure  run-a.trec",
            "RR@10        0.3333"),
        stdout.lines().toList());
  }

  @Test
  void answersModeRecomputesHasAnswerFromDprJson() throws Exception {
    // has_answer fields are deliberately wrong: relevance is recomputed from text and answers
    Files.writeString(
        dir.resolve("retrieved.json"),
        "[{\"question\":\"who wrote hamlet\",\"answers\":[\"Shakespeare\"],\"ctxs\":["
            + "{\"id\":\"1\",\"title\":\"A\",\"text\":\"Hamlet is a play.\",\"score\":\"3\",\"has_answer\":true},"
            + "{\"id\":\"2\",\"title\":\"B\",\"text\":\"William Shakespeare wrote it.\",\"score\":\"2\",\"has_answer\":false},"
            + "{\"id\":\"3\",\"title\":\"C\",\"text\":\"shakespeare again\",\"score\":\"1\"}]},"
            + "{\"question\":\"capital of france\",\"answers\":[\"Paris\"],\"ctxs\":["
            + "{\"id\":\"4\",\"text\":\"Lyon is big\",\"score\":\"2\"},{\"id\":\"5\",\"text\":\"Berlin\",\"score\":\"1\"}]}]");
    Files.writeString(
        dir.resolve("reranked.json"),
        "[{\"question\":\"who wrote hamlet\",\"answers\":[\"Shakespeare\"],\"ctxs\":["
            + "{\"id\":\"2\",\"text\":\"William Shakespeare wrote it.\"},{\"id\":\"3\",\"text\":\"shakespeare again\"},"
            + "{\"id\":\"1\",\"text\":\"Hamlet is a play.\"}]},"
            + "{\"question\":\"capital of france\",\"answers\":[\"Paris\"],\"ctxs\":["
            + "{\"id\":\"5\",\"text\":\"Berlin\"},{\"id\":\"4\",\"text\":\"Lyon is big\"}]}]");
    int code =
        run(
            "eval",
            "--run",
            p("retrieved.json"),
            "--run",
            p("reranked.json"),
            "--answers",
            p("retrieved.json"),
            "--measures",
            "Hit@1,Hit@2,Recall@1");
    assertEquals(0, code, stderr);
    // retrieved: q0 relevance 0,1,1; q1 none.  reranked: q0 1,1,0.
    // Hit@1 0 -> 1/2, Hit@2 1/2 both, Recall@1 q0 only: 0/2 -> 1/2 (q1 undefined, one pair: no p)
    assertEquals(
        List.of(
            "queries: 2",
            "measure   retrieved.json  reranked.json  change  p-value",
            "Hit@1             0.0000         0.5000     n/a   0.5000",
            "Hit@2             0.5000         0.5000   +0.0%   1.0000",
            "Recall@1          0.0000         0.5000     n/a      n/a"),
        stdout.lines().toList());
  }

  @Test
  void badInputGivesOneLineAndExitCode1() throws Exception {
    Files.writeString(dir.resolve("bad.trec"), "q1 Q0 d1 1 x tag\n");
    assertEquals(1, run("eval", "--run", p("bad.trec"), "--qrels", p("qrels.txt")));
    assertEquals("qpeft eval: " + p("bad.trec") + ":1: score 'x' is not a number\n", stderr);
    assertEquals(
        1, run("eval", "--run", p("run-a.trec"), "--qrels", p("qrels.txt"), "--measures", "F1"));
    assertTrue(stderr.startsWith("qpeft eval: unknown measure 'F1'"), stderr);
  }

  @Test
  void plotsHitAndRecallAtEveryDepthForEveryRun() throws Exception {
    int code =
        run(
            "eval",
            "--run",
            p("run-a.trec"),
            "--run",
            p("run-b.trec"),
            "--qrels",
            p("qrels.txt"),
            "--depth",
            "4",
            "--label",
            "first",
            "--label",
            "second",
            "--plot",
            p("curves.svg"));
    assertEquals(0, code, stderr);
    assertTrue(stdout.contains("measure   first  second   change  p-value"), stdout);
    String svg = Files.readString(dir.resolve("curves.svg"));
    for (String s : List.of("Hit@k", "Recall@k", "first", "second")) assertTrue(svg.contains(s), s);
    assertEquals(
        0,
        run("eval", "--run", p("run-a.trec"), "--qrels", p("qrels.txt"), "--plot", p("c.png")),
        stderr);
    assertEquals(1280, javax.imageio.ImageIO.read(dir.resolve("c.png").toFile()).getWidth());

    assertEquals(
        1, run("eval", "--run", p("run-a.trec"), "--qrels", p("qrels.txt"), "--plot", p("c.gif")));
    assertTrue(stderr.contains("FILE.png or FILE.svg"), stderr);
  }
}
