package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.RecordReader;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of {@code qpeft rerank} on the shipped example and the tiny Llama fixture. */
class RerankCommandTest {
  static final Path EXAMPLE = Path.of("../examples/rerank-requests.jsonl");
  static final String MODEL = CliRun.TINY_LLAMA.toString();

  /** The TREC lines the library API gives for the example: what the command must write. */
  static List<String> expected;

  @TempDir Path tmp;

  @BeforeAll
  static void rerankWithTheLibrary() {
    expected = new ArrayList<>();
    try (LanguageModel model = Models.load(CliRun.TINY_LLAMA);
        TextTokenizer tok = TextTokenizer.load(CliRun.TINY_LLAMA);
        Reranker upr = UprReranker.builder().setModel(model).setTokenizer(tok).build();
        RecordReader<Candidates> in =
            CandidatesReader.open(CandidatesSource.jsonl(EXAMPLE), ErrorPolicy.FAIL)) {
      while (in.hasNext()) {
        Candidates c = in.next();
        int rank = 1;
        for (Scored s : upr.rerank(c.query(), c.passages(), 0)) {
          expected.add(
              TrecRun.format(
                      new RunEntry(c.query().qid(), s.passage().docid(), rank++, s.score()),
                      "qpeft")
                  .strip());
        }
      }
    }
    assertEquals(100, expected.size());
  }

  @Test
  void writesTheRerankedTrecRunAndNoJournal() throws IOException {
    Path out = tmp.resolve("run.trec");
    CliRun run =
        CliRun.of(
            "rerank", "--model", MODEL, "--input", EXAMPLE.toString(), "--output", out.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertSameRun(expected, Files.readAllLines(out));
    assertFalse(Files.exists(RerankJournal.nextTo(out)));
    assertEquals("qpeft rerank: wrote 5 queries to " + out + " (trec)\n", run.err());
  }

  @Test
  void resumesFromTheJournalAndSkipsFinishedQueries() throws IOException {
    // a first run scores everything, then cannot put the output in place (a folder is in the way)
    Path out = tmp.resolve("run.trec");
    Files.createDirectories(out.resolve("blocker"));
    CliRun broken =
        CliRun.of(
            "rerank", "--model", MODEL, "--input", EXAMPLE.toString(), "--output", out.toString());
    assertEquals(1, broken.exitCode(), broken.err());
    Path journal = RerankJournal.nextTo(out);
    List<String> lines = Files.readAllLines(journal);
    assertEquals(6, lines.size()); // header + 5 queries

    // keep 2 finished queries plus a line torn by a crash; mark query q1's scores so we see them
    // reused
    ObjectMapper json = new ObjectMapper();
    JsonNode q1 = json.readTree(lines.get(1));
    double[] marked = new double[20];
    for (int i = 0; i < 20; i++) marked[i] = -i; // input order
    String q1Marked = "{\"i\":0,\"qid\":\"q1\",\"scores\":" + json.writeValueAsString(marked) + "}";
    assertEquals("q1", q1.get("qid").asText());
    Files.writeString(
        journal,
        lines.get(0)
            + "\n"
            + q1Marked
            + "\n"
            + lines.get(2)
            + "\n"
            + lines.get(3).substring(0, 30));
    Files.delete(out.resolve("blocker"));
    Files.delete(out);

    CliRun resumed =
        CliRun.of(
            "rerank", "--model", MODEL, "--input", EXAMPLE.toString(), "--output", out.toString());
    assertEquals(0, resumed.exitCode(), resumed.err());
    assertTrue(
        resumed
            .err()
            .startsWith("qpeft rerank: resuming: 2 of 5 queries already scored in " + journal),
        resumed.err());
    List<String> got = Files.readAllLines(out);
    assertSameRun(
        expected.subList(20, 100), got.subList(20, 100)); // re-scored or resumed: same results
    List<String> q1Lines = new ArrayList<>();
    try (RecordReader<Candidates> in =
        CandidatesReader.open(CandidatesSource.jsonl(EXAMPLE), ErrorPolicy.FAIL)) {
      Candidates c = in.next();
      for (int i = 0; i < 20; i++) {
        q1Lines.add(
            TrecRun.format(new RunEntry("q1", c.candidates().get(i).docid(), i + 1, -i), "qpeft")
                .strip());
      }
    }
    assertEquals(q1Lines, got.subList(0, 20));
    assertFalse(Files.exists(journal));
  }

  @Test
  void refusesAJournalOfARunWithOtherSettings() throws IOException {
    Path out = tmp.resolve("run.trec");
    Files.createDirectories(out.resolve("blocker"));
    CliRun.of(
        "rerank", "--model", MODEL, "--input", EXAMPLE.toString(), "--output", out.toString());
    Files.delete(out.resolve("blocker"));
    Files.delete(out);
    CliRun other =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--max-passage-tokens",
            "50");
    assertEquals(1, other.exitCode());
    assertEquals(
        "qpeft rerank: "
            + RerankJournal.nextTo(out)
            + " holds scores of an interrupted run with other settings"
            + " (max_passage_tokens 300 -> 50); rerun with the same settings to resume, or delete it to start over\n",
        other.err());
  }

  @Test
  void topKRerankesOnlyTheFirstCandidatesAndJsonlKeepsTheRequestShape() throws IOException {
    Path out = tmp.resolve("reranked.jsonl");
    CliRun run =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--top-k",
            "5",
            "--template",
            "Document: {title}. {text}\\nQuery:",
            "--aggregation",
            "sum");
    assertEquals(0, run.exitCode(), run.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(5, lines.size());
    ObjectMapper json = new ObjectMapper();
    for (String line : lines) {
      JsonNode node = json.readTree(line);
      JsonNode cands = node.get("candidates");
      assertEquals(5, cands.size());
      for (int i = 1; i < 5; i++) {
        assertTrue(
            cands.get(i - 1).get("rerank_score").asDouble()
                >= cands.get(i).get("rerank_score").asDouble(),
            line);
      }
      assertTrue(node.get("query").has("qid"));
    }
  }

  @Test
  void trecRunWithCorpusAndQueriesAndDprJsonGiveTheSameRanking() throws IOException {
    // the example as a TREC run + BEIR corpus/queries, and as DPR retriever JSON
    ObjectMapper json = new ObjectMapper();
    List<String> run = new ArrayList<>();
    List<String> corpus = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    com.fasterxml.jackson.databind.node.ArrayNode dpr = json.createArrayNode();
    for (String line : Files.readAllLines(EXAMPLE)) {
      JsonNode r = json.readTree(line);
      String qid = r.get("query").get("qid").asText();
      queries.add(
          json.createObjectNode()
              .put("_id", qid)
              .put("text", r.get("query").get("text").asText())
              .toString());
      var q = dpr.addObject().put("qid", qid).put("question", r.get("query").get("text").asText());
      q.putArray("answers");
      var ctxs = q.putArray("ctxs");
      int rank = 1;
      for (JsonNode c : r.get("candidates")) {
        String docid = c.get("docid").asText();
        run.add(qid + " Q0 " + docid + " " + rank++ + " " + c.get("score").asText() + " bm25");
        corpus.add(
            json.createObjectNode()
                .put("_id", docid)
                .put("title", c.get("doc").get("title").asText())
                .put("text", c.get("doc").get("text").asText())
                .toString());
        ctxs.addObject()
            .put("id", docid)
            .put("title", c.get("doc").get("title").asText())
            .put("text", c.get("doc").get("text").asText())
            .put("score", c.get("score").asDouble());
      }
    }
    Path runFile = Files.write(tmp.resolve("bm25.trec"), run);
    Path corpusFile = Files.write(tmp.resolve("corpus.jsonl"), corpus.stream().distinct().toList());
    Path queriesFile = Files.write(tmp.resolve("queries.jsonl"), queries);
    Path dprFile = Files.writeString(tmp.resolve("retrieved.json"), dpr.toString());

    Path fromTrec = tmp.resolve("from-trec.txt");
    CliRun trec =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            runFile.toString(),
            "--corpus",
            corpusFile.toString(),
            "--queries",
            queriesFile.toString(),
            "--output",
            fromTrec.toString());
    assertEquals(0, trec.exitCode(), trec.err());
    assertSameRun(expected, Files.readAllLines(fromTrec));

    Path fromDpr = tmp.resolve("from-dpr.txt");
    CliRun dprRun =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            dprFile.toString(),
            "--output",
            fromDpr.toString(),
            "--format",
            "trec");
    assertEquals(0, dprRun.exitCode(), dprRun.err());
    assertSameRun(expected, Files.readAllLines(fromDpr));
  }

  @Test
  void malformedRecordsFailWithFileAndLineOrAreSkipped() throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(EXAMPLE));
    lines.set(1, "{\"query\":{\"qid\":\"q2\",\"text\":\"x\"}}"); // no candidates
    Path in = Files.write(tmp.resolve("in.jsonl"), lines);
    Path out = tmp.resolve("run.trec");

    CliRun failed =
        CliRun.of("rerank", "--model", MODEL, "--input", in.toString(), "--output", out.toString());
    assertEquals(1, failed.exitCode());
    assertEquals(
        "qpeft rerank: " + in + ":2: query q2 has no \"candidates\" array\n", failed.err());
    assertFalse(Files.exists(out));

    CliRun skipped =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            in.toString(),
            "--output",
            out.toString(),
            "--on-error",
            "skip");
    assertEquals(0, skipped.exitCode(), skipped.err());
    assertEquals(
        "qpeft rerank: skipped "
            + in
            + ":2: query q2 has no \"candidates\" array\n"
            + "qpeft rerank: wrote 4 queries to "
            + out
            + " (trec)\n",
        skipped.err());
    List<String> want = new ArrayList<>(expected.subList(0, 20));
    want.addAll(expected.subList(40, 100));
    assertSameRun(want, Files.readAllLines(out));
  }

  @Test
  void badOptionsAreOneLineErrors() {
    Path out = tmp.resolve("run.trec");
    CliRun adapter =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--adapter",
            "a");
    assertEquals(1, adapter.exitCode());
    assertTrue(
        adapter.err().contains("not an adapter folder: a has no adapter_config.json"),
        adapter.err());
    CliRun template =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--template",
            "no placeholder");
    assertEquals(
        "qpeft rerank: the prompt template must contain {passage}, {title} or {text}, got: no placeholder\n",
        template.err());
    CliRun format =
        CliRun.of(
            "rerank",
            "--model",
            MODEL,
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--format",
            "csv");
    assertEquals(
        "qpeft rerank: unknown output format 'csv', expected trec, jsonl or dpr\n", format.err());
    assertFalse(Files.exists(out));
  }

  /**
   * Same queries, documents, ranks and tag; scores equal up to float32 rounding (a pair scored in a
   * differently composed batch can differ in the last bits).
   */
  static void assertSameRun(List<String> want, List<String> got) {
    assertEquals(want.size(), got.size(), "lines");
    for (int i = 0; i < want.size(); i++) {
      String[] w = want.get(i).split(" ");
      String[] g = got.get(i).split(" ");
      assertEquals(6, g.length, got.get(i));
      assertEquals(
          List.of(w[0], w[1], w[2], w[3], w[5]),
          List.of(g[0], g[1], g[2], g[3], g[5]),
          "line " + (i + 1));
      assertEquals(Double.parseDouble(w[4]), Double.parseDouble(g[4]), 1e-5, "line " + (i + 1));
    }
  }
}
