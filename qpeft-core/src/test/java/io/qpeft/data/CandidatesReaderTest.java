package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidatesReaderTest {
  @TempDir Path dir;

  private static List<Candidates> readAll(CandidatesSource src, ErrorPolicy policy) {
    try (var s = CandidatesReader.open(src, policy).stream()) {
      return s.toList();
    }
  }

  @Test
  void jsonlRequestsWithStringObjectAndContentsDocs() throws Exception {
    Path f = dir.resolve("req.jsonl");
    Files.writeString(
        f,
        "{\"query\":{\"qid\":\"q1\",\"text\":\"who\"},\"candidates\":["
            + "{\"docid\":\"a\",\"score\":2.5,\"doc\":\"plain\"},"
            + "{\"docid\":\"b\",\"score\":1,\"doc\":{\"title\":\"B\",\"text\":\"bee\"}},"
            + "{\"docid\":\"c\",\"doc\":{\"contents\":\"sea\"}}]}\n"
            + "\n"
            + "{\"query\":{\"text\":\"no id\"},\"candidates\":[]}\n");
    List<Candidates> got = readAll(CandidatesSource.jsonl(f), ErrorPolicy.FAIL);
    assertEquals(2, got.size());
    assertEquals(new Query("q1", "who"), got.get(0).query());
    assertEquals(
        List.of(
            new Candidate(new Passage("a", "", "plain"), 2.5),
            new Candidate(new Passage("b", "B", "bee"), 1.0),
            new Candidate(new Passage("c", "", "sea"), 0.0)),
        got.get(0).candidates());
    assertEquals(new Query("1", "no id"), got.get(1).query(), "qid defaults to the record index");
  }

  @Test
  void jsonlBadRecordsFailOrSkipWithFileAndLine() throws Exception {
    Path f = dir.resolve("bad.jsonl");
    Files.writeString(
        f,
        "{\"query\":{\"qid\":\"q1\",\"text\":\"x\"},\"candidates\":[{\"docid\":\"a\",\"doc\":\"t\"}]}\n"
            + "{not json\n"
            + "{\"query\":{\"qid\":\"q3\",\"text\":\"x\"},\"candidates\":[{\"docid\":\"a\",\"score\":\"high\",\"doc\":\"t\"}]}\n"
            + "{\"query\":{\"qid\":\"q4\",\"text\":\"x\"},\"candidates\":[{\"docid\":\"zz\"}]}\n"
            + "{\"query\":{\"qid\":\"q5\",\"text\":\"x\"},\"candidates\":[]}\n");
    BadRecordException e =
        assertThrows(
            BadRecordException.class, () -> readAll(CandidatesSource.jsonl(f), ErrorPolicy.FAIL));
    assertEquals(2, e.line());
    assertEquals(f.toString(), e.source());
    List<BadRecordException> bad = new ArrayList<>();
    List<Candidates> got = readAll(CandidatesSource.jsonl(f), ErrorPolicy.skip(bad::add));
    assertEquals(List.of("q1", "q5"), got.stream().map(c -> c.query().qid()).toList());
    assertEquals(List.of(2L, 3L, 4L), bad.stream().map(BadRecordException::line).toList());
    assertEquals(f + ":3: score 'high' of a is not a number", bad.get(1).getMessage());
    assertEquals(
        f + ":4: document zz has no text and no collection was given to look it up",
        bad.get(2).getMessage());
  }

  @Test
  void dprJsonWithTextsAndWithPassagesTsvLookup() throws Exception {
    Path tsv = dir.resolve("psgs.tsv");
    Files.writeString(tsv, PassageStoreTest.DPR_TSV);
    Path json = dir.resolve("dpr.json");
    Files.writeString(
        json,
        "[\n"
            + " {\"question\": \"who is aaron\", \"answers\": [\"prophet\"],\n"
            + "  \"ctxs\": [{\"id\": \"2\", \"title\": \"S\", \"text\": \"given\", \"score\": \"80.5\", \"has_answer\": false},\n"
            + "            {\"id\": \"wiki:1\", \"score\": 79.0, \"has_answer\": true}]},\n"
            + " {\"id\": \"x7\", \"question\": \"ten?\", \"answers\": [],\n"
            + "  \"contexts\": [{\"docid\": \"10\", \"score\": 1}]}\n"
            + "]\n");
    List<CandidatesRecord> got = new ArrayList<>();
    try (RecordReader<CandidatesRecord> r =
        CandidatesReader.openRecords(CandidatesSource.dpr(json, tsv), ErrorPolicy.FAIL)) {
      r.forEachRemaining(got::add);
    }
    assertEquals(new Query("0", "who is aaron"), got.get(0).query());
    assertEquals(List.of("prophet"), got.get(0).answers());
    assertEquals(
        List.of(
            new Candidate(new Passage("2", "S", "given"), 80.5),
            new Candidate(
                new Passage("wiki:1", "Aaron", "Aaron ( or ; \"Ahärôn\") is a prophet"), 79.0)),
        got.get(0).candidates().candidates());
    assertEquals(2, got.get(0).line());
    assertEquals(new Query("x7", "ten?"), got.get(1).query());
    assertEquals("ten", got.get(1).candidates().candidates().get(0).passage().text());
    assertEquals(5, got.get(1).line());
  }

  @Test
  void dprSkipsBadElementsButFailsOnBrokenSyntax() throws Exception {
    Path json = dir.resolve("dpr.json");
    Files.writeString(
        json,
        "[{\"question\": \"q\", \"ctxs\": [{\"id\": \"1\", \"text\": \"t\"}]},\n"
            + " 42,\n"
            + " {\"ctxs\": []},\n"
            + " {\"question\": \"ok\", \"ctxs\": [{\"id\": \"5\"}]},\n"
            + " {\"question\": \"last\", \"ctxs\": []}]\n");
    List<BadRecordException> bad = new ArrayList<>();
    List<Candidates> got = readAll(CandidatesSource.dpr(json, null), ErrorPolicy.skip(bad::add));
    assertEquals(List.of("0", "4"), got.stream().map(c -> c.query().qid()).toList());
    assertEquals(List.of(2L, 3L, 4L), bad.stream().map(BadRecordException::line).toList());

    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "[{\"question\": \"q\", \"ctxs\": []},\n {\"question\": ");
    assertThrows(
        BadRecordException.class,
        () -> readAll(CandidatesSource.dpr(broken, null), ErrorPolicy.skip(b -> {})));
  }

  @Test
  void trecRunWithCorpusAndQueriesSortedByScoreWithDepth() throws Exception {
    Path run = dir.resolve("run.trec");
    Files.writeString(
        run,
        "q1 Q0 d2 2 1.5 bm25\nq1 Q0 d1 1 3.0 bm25\nq1 Q0 d3 3 1.5 bm25\n" + "q2 Q0 d3 1 9 bm25\n");
    Path corpus = dir.resolve("corpus.jsonl");
    Files.writeString(
        corpus,
        "{\"_id\":\"d1\",\"title\":\"\",\"text\":\"one\"}\n{\"_id\":\"d2\",\"text\":\"two\"}\n"
            + "{\"_id\":\"d3\",\"text\":\"three\"}\n");
    Path queries = dir.resolve("queries.tsv");
    Files.writeString(queries, "q1\tfirst query\nq2\tsecond\n");
    List<Candidates> got =
        readAll(CandidatesSource.detect(run, corpus, queries).withDepth(2), ErrorPolicy.FAIL);
    assertEquals(2, got.size());
    assertEquals(new Query("q1", "first query"), got.get(0).query());
    assertEquals(
        List.of(
            new Candidate(new Passage("d1", "one"), 3.0),
            new Candidate(new Passage("d2", "two"), 1.5)),
        got.get(0).candidates());
    assertEquals(List.of("d3"), got.get(1).passages().stream().map(Passage::docid).toList());
  }

  @Test
  void trecRunWhoseQueriesAreNotGroupedIsRejected() throws Exception {
    Path run = dir.resolve("run.trec");
    Files.writeString(run, "q1 Q0 d1 1 3 t\nq2 Q0 d1 1 3 t\nq1 Q0 d2 2 2 t\n");
    Path corpus = dir.resolve("c.tsv");
    Files.writeString(corpus, "d1\tone\nd2\ttwo\n");
    Path queries = dir.resolve("q.tsv");
    Files.writeString(queries, "q1\ta\nq2\tb\n");
    BadRecordException e =
        assertThrows(
            BadRecordException.class,
            () -> readAll(CandidatesSource.trec(run, corpus, queries), ErrorPolicy.skip(b -> {})));
    assertEquals(3, e.line());
  }

  @Test
  void readerIsLazy() throws Exception {
    Path f = dir.resolve("lazy.jsonl");
    Files.writeString(
        f, "{\"query\":{\"qid\":\"q1\",\"text\":\"x\"},\"candidates\":[]}\n{broken\n");
    try (RecordReader<Candidates> r =
        CandidatesReader.open(CandidatesSource.jsonl(f), ErrorPolicy.FAIL)) {
      assertEquals("q1", r.next().query().qid()); // the broken line 2 is not read yet
      assertThrows(BadRecordException.class, r::hasNext);
    }
    assertFalse(Files.exists(dir.resolve("lazy.jsonl.qpeft-idx")));
  }
}
