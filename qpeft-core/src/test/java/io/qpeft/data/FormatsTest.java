package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TREC runs, qrels, queries and DPR training data. */
class FormatsTest {
  @TempDir Path dir;

  @Test
  void trecRunRoundTripAndErrors() throws Exception {
    Path run = dir.resolve("run.txt");
    TrecRun.write(
        run, List.of(new RunEntry("q1", "d1", 1, 2.5), new RunEntry("q1", "d2", 2, -1e-7)), "tag");
    assertEquals(List.of("q1 Q0 d1 1 2.5 tag", "q1 Q0 d2 2 -1.0E-7 tag"), Files.readAllLines(run));
    Map<String, List<RunEntry>> read = TrecRun.read(run);
    assertEquals(
        List.of(new RunEntry("q1", "d1", 1, 2.5), new RunEntry("q1", "d2", 2, -1e-7)),
        read.get("q1"));
    Files.writeString(run, "q1 Q0 d1 1 2.5 tag\nq1 Q0 d2 two 1 tag\n");
    BadRecordException e = assertThrows(BadRecordException.class, () -> TrecRun.read(run));
    assertEquals(run + ":2: rank 'two' is not an integer", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrecRun.write(run, List.of(), "two words"));
  }

  @Test
  void qrelsTrecMsMarcoTabAndBeirVariants() throws Exception {
    Path trec = dir.resolve("qrels.txt");
    Files.writeString(trec, "q1 0 d1 2\nq1 0 d2 0\nq2 0 d9 1\n");
    Qrels a = Qrels.read(trec);
    assertEquals(Map.of("d1", 2, "d2", 0), a.judgments("q1"));
    assertEquals(1, a.relevantCount("q1", 1));
    Path msmarco = dir.resolve("qrels.dev.tsv");
    Files.writeString(msmarco, "1102432\t0\t2026790\t1\n");
    assertEquals(Map.of("2026790", 1), Qrels.read(msmarco).judgments("1102432"));
    Path beir = dir.resolve("beir");
    Files.createDirectories(beir.resolve("qrels"));
    Files.writeString(beir.resolve("qrels/test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
    assertEquals(Map.of("d1", 1), Qrels.read(beir).judgments("q1"));
    Path out = dir.resolve("out.qrels");
    a.write(out);
    assertEquals(List.of("q1 0 d1 2", "q1 0 d2 0", "q2 0 d9 1"), Files.readAllLines(out));
    Files.writeString(trec, "q1 0 d1 x\n");
    assertThrows(BadRecordException.class, () -> Qrels.read(trec));
  }

  @Test
  void queriesFromTsvBeirAndDprJson() throws Exception {
    Path tsv = dir.resolve("queries.tsv");
    Files.writeString(tsv, "qid\ttext\n1\t what is x \n2\ty\n");
    assertEquals(List.of(new Query("1", "what is x"), new Query("2", "y")), QueryReader.read(tsv));
    Path jsonl = dir.resolve("queries.jsonl");
    Files.writeString(jsonl, "{\"_id\":\"a\",\"text\":\"A?\",\"metadata\":{}}\n");
    assertEquals(List.of(new Query("a", "A?")), QueryReader.read(dir));
    Path dpr = dir.resolve("dpr.json");
    Files.writeString(
        dpr, "[{\"question\":\"first\",\"ctxs\":[]},{\"question\":\"second\",\"answers\":[]}]");
    assertEquals(List.of(new Query("0", "first"), new Query("1", "second")), QueryReader.read(dpr));
    Files.writeString(tsv, "1\ta\n1\tb\n");
    assertThrows(IllegalArgumentException.class, () -> QueryReader.read(tsv));
  }

  @Test
  void dprTrainingExamples() throws Exception {
    Path f = dir.resolve("train.json");
    Files.writeString(
        f,
        "[{\"dataset\":\"nq\",\"question\":\"who?\",\"answers\":[\"me\"],"
            + "\"positive_ctxs\":[{\"title\":\"T\",\"text\":\"it was me\",\"score\":1000,\"passage_id\":\"11\"}],"
            + "\"negative_ctxs\":[{\"title\":\"N\",\"text\":\"no\"}],"
            + "\"hard_negative_ctxs\":[{\"title\":\"H\",\"text\":\"hard\",\"passage_id\":\"12\"}]},"
            + "{\"question\":\"bad\",\"positive_ctxs\":[{\"title\":\"T\"}]}]");
    try (var r = DprTrainingReader.open(f, ErrorPolicy.skip(b -> {}))) {
      DprTrainingRecord ex = r.next();
      assertEquals(new Query("0", "who?"), ex.query());
      assertEquals(List.of("me"), ex.answers());
      assertEquals(List.of(new Passage("11", "T", "it was me")), ex.positives());
      assertEquals(List.of(new Passage("q0-neg-0", "N", "no")), ex.negatives());
      assertEquals(List.of(new Passage("12", "H", "hard")), ex.hardNegatives());
      assertEquals(false, r.hasNext());
    }
  }
}
