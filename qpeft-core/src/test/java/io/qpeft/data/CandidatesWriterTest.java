package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.eval.AnswerMatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidatesWriterTest {
  @TempDir Path dir;

  private static CandidatesRecord sample() {
    return new CandidatesRecord(
        new Candidates(
            new Query("q1", "who wrote it"),
            List.of(
                new Candidate(new Passage("a", "A", "alpha text"), 10),
                new Candidate(new Passage("b", "B", "written by Smith"), 9),
                new Candidate(new Passage("c", "C", "gamma"), 8))),
        List.of("Smith"),
        null,
        0);
  }

  @Test
  void trecOutputIsSortedByNewScoreWithStableTies() throws Exception {
    Path out = dir.resolve("out.trec");
    try (CandidatesWriter w = CandidatesWriter.open(out, CandidatesWriter.Format.TREC, "upr")) {
      w.write(sample(), new double[] {-2.0, -1.0, -2.0});
      w.commit();
    }
    assertEquals(
        List.of("q1 Q0 b 1 -1.0 upr", "q1 Q0 a 2 -2.0 upr", "q1 Q0 c 3 -2.0 upr"),
        Files.readAllLines(out));
  }

  @Test
  void closeWithoutCommitLeavesNoFile() throws Exception {
    Path out = dir.resolve("never.trec");
    try (CandidatesWriter w = CandidatesWriter.open(out, CandidatesWriter.Format.TREC, "t")) {
      w.write(sample(), new double[] {1, 2, 3});
    }
    assertFalse(Files.exists(out));
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.toList(), "temporary file removed");
    }
  }

  @Test
  void scoreCountMismatchIsRejected() {
    try (CandidatesWriter w =
        CandidatesWriter.open(dir.resolve("x.trec"), CandidatesWriter.Format.TREC, "t")) {
      assertThrows(IllegalArgumentException.class, () -> w.write(sample(), new double[] {1}));
    }
  }

  @Test
  void dprRoundTripKeepsEveryCtxFieldAndReorders() throws Exception {
    Path in = dir.resolve("in.json");
    Files.writeString(
        in,
        "[{\"question\":\"q\",\"answers\":[\"x\"],\"extra\":1,\"ctxs\":["
            + "{\"id\":\"1\",\"title\":\"t1\",\"text\":\"one\",\"score\":\"5\",\"has_answer\":false,\"custom\":\"k1\"},"
            + "{\"id\":\"2\",\"title\":\"t2\",\"text\":\"two x\",\"score\":\"4\",\"has_answer\":true,\"custom\":\"k2\"}]},"
            + "{\"question\":\"r\",\"answers\":[],\"ctxs\":[]}]");
    Path out = dir.resolve("out.json");
    try (RecordReader<CandidatesRecord> r =
            CandidatesReader.openRecords(CandidatesSource.dpr(in, null), ErrorPolicy.FAIL);
        CandidatesWriter w = CandidatesWriter.open(out, CandidatesWriter.Format.DPR, "t")) {
      w.write(r.next(), new double[] {-3.0, -1.0});
      w.write(r.next(), new double[0]);
      w.commit();
    }
    JsonNode root = PassageLines.JSON.readTree(out.toFile());
    assertEquals(2, root.size());
    JsonNode first = root.get(0);
    assertEquals(1, first.get("extra").asInt());
    assertEquals("2", first.get("ctxs").get(0).get("id").asText());
    assertEquals("k2", first.get("ctxs").get(0).get("custom").asText());
    assertEquals("4", first.get("ctxs").get(0).get("score").asText());
    assertEquals(-1.0, first.get("ctxs").get(0).get("rerank_score").asDouble());
    assertEquals("1", first.get("ctxs").get(1).get("id").asText());
    // and the output reads back as candidates in the new order
    List<Candidates> back = new ArrayList<>();
    try (var s =
        CandidatesReader.open(CandidatesSource.dpr(out, null), ErrorPolicy.FAIL).stream()) {
      s.forEach(back::add);
    }
    assertEquals(List.of("2", "1"), back.get(0).passages().stream().map(Passage::docid).toList());
  }

  @Test
  void jsonlAndDprFromCodeBuiltRecords() throws Exception {
    Path jsonl = dir.resolve("out.jsonl");
    try (CandidatesWriter w =
        CandidatesWriter.open(jsonl, CandidatesWriter.Format.of(jsonl), "t")) {
      w.write(sample(), new double[] {0.1, 0.3, 0.2});
      w.commit();
    }
    assertEquals(
        List.of(
            "{\"query\":{\"qid\":\"q1\",\"text\":\"who wrote it\"},\"answers\":[\"Smith\"],\"candidates\":["
                + "{\"docid\":\"b\",\"score\":9.0,\"doc\":{\"title\":\"B\",\"text\":\"written by Smith\"},\"rerank_score\":0.3},"
                + "{\"docid\":\"c\",\"score\":8.0,\"doc\":{\"title\":\"C\",\"text\":\"gamma\"},\"rerank_score\":0.2},"
                + "{\"docid\":\"a\",\"score\":10.0,\"doc\":{\"title\":\"A\",\"text\":\"alpha text\"},\"rerank_score\":0.1}]}"),
        Files.readAllLines(jsonl));
    List<CandidatesRecord> back = new ArrayList<>();
    try (var r = CandidatesReader.openRecords(CandidatesSource.jsonl(jsonl), ErrorPolicy.FAIL)) {
      r.forEachRemaining(back::add);
    }
    assertEquals(List.of("Smith"), back.get(0).answers());
    assertEquals(
        List.of("b", "c", "a"),
        back.get(0).candidates().passages().stream().map(Passage::docid).toList());

    Path dpr = dir.resolve("out.json");
    try (CandidatesWriter w =
        CandidatesWriter.open(dpr, CandidatesWriter.Format.of(dpr), "t")
            .optHasAnswer(AnswerMatcher.STRING::hasAnswer)) {
      w.write(sample(), new double[] {0.1, 0.3, 0.2});
      w.commit();
    }
    JsonNode ctx0 = PassageLines.JSON.readTree(dpr.toFile()).get(0).get("ctxs").get(0);
    assertEquals("b", ctx0.get("id").asText());
    assertEquals(true, ctx0.get("has_answer").asBoolean());
  }
}
