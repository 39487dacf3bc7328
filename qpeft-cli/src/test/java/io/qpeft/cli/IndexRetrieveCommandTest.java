package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Candidate;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.data.RecordReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end: {@code qpeft index} then {@code qpeft retrieve} on a tiny corpus, exact output lines.
 */
class IndexRetrieveCommandTest {
  @TempDir Path tmp;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  Path corpus() throws Exception {
    Path corpus = tmp.resolve("corpus.jsonl");
    Files.write(
        corpus,
        List.of(
            "{\"_id\": \"d1\", \"title\": \"\", \"text\": \"cat dog\"}",
            "{\"_id\": \"d2\", \"title\": \"\", \"text\": \"cat cat fish\"}",
            "{\"_id\": \"d3\", \"title\": \"\", \"text\": \"dog bird bird bird\"}",
            "{\"_id\": \"d4\", \"title\": \"Fish\", \"text\": \"bird\"}"));
    return corpus;
  }

  @Test
  void indexThenRetrieveBm25() throws Exception {
    Path index = tmp.resolve("index");
    CliRun indexed =
        run(
            "index",
            "--corpus",
            corpus().toString(),
            "--index",
            index.toString(),
            "--threads",
            "2");
    assertEquals(0, indexed.exitCode());
    assertTrue(
        indexed
            .out()
            .matches("Indexed 4 passages into .*index in [0-9.]+ s \\([0-9]+ passages/s\\)\\R"),
        indexed.out());

    Path queries = tmp.resolve("queries.tsv");
    Files.write(queries, List.of("q1\tcats and birds", "q2\tthe fish", "q3\tunicorn"));
    Path runFile = tmp.resolve("out/run.trec");
    Path jsonl = tmp.resolve("out/cands.jsonl");
    CliRun retrieved =
        run(
            "retrieve",
            "--index",
            index.toString(),
            "--queries",
            queries.toString(),
            "--hits",
            "3",
            "--run",
            runFile.toString(),
            "--jsonl",
            jsonl.toString(),
            "--threads",
            "2",
            "--batch-size",
            "1");
    assertEquals(0, retrieved.exitCode());
    assertTrue(
        retrieved.out().startsWith("Retrieved 3 queries x 3 hits (bm25) in "), retrieved.out());
    // by hand: every term has df 2 of N 4, idf = ln 2; score = ln 2 * tf / (tf + 0.9 (0.6 + 0.4 dl
    // / 2.75))
    // d3 (bird x3, dl 4) 0.511719; d2 (cat x2, dl 3) 0.472698; d1 (cat, dl 2) = d4 (bird, dl 2)
    // 0.384693,
    // the tie broken by docid; q2: stop word "the" dropped, d4 ("Fish" title, dl 2) 0.384693, d2
    // (dl 3)
    // 0.358637; q3 matches nothing and has no line
    assertEquals(
        List.of(
            "q1 Q0 d3 1 0.5117194 qpeft-bm25",
            "q1 Q0 d2 2 0.47269803 qpeft-bm25",
            "q1 Q0 d1 3 0.3846932 qpeft-bm25",
            "q2 Q0 d4 1 0.3846932 qpeft-bm25",
            "q2 Q0 d2 2 0.35863683 qpeft-bm25"),
        Files.readAllLines(runFile));
    List<String> lines = Files.readAllLines(jsonl);
    assertEquals(3, lines.size());
    assertEquals(
        "{\"query\":{\"qid\":\"q2\",\"text\":\"the fish\"},\"candidates\":["
            + "{\"docid\":\"d4\",\"score\":0.3846932,\"doc\":{\"title\":\"Fish\",\"text\":\"bird\"}},"
            + "{\"docid\":\"d2\",\"score\":0.35863683,\"doc\":{\"title\":\"\",\"text\":\"cat cat fish\"}}]}",
        lines.get(1));
    assertEquals(
        "{\"query\":{\"qid\":\"q3\",\"text\":\"unicorn\"},\"candidates\":[]}", lines.get(2));
    // the JSONL is what the rerankers read: round trip through the data module's reader
    try (RecordReader<Candidates> r =
        CandidatesReader.open(CandidatesSource.jsonl(jsonl), ErrorPolicy.FAIL)) {
      Candidates q1 = r.next();
      assertEquals(new Query("q1", "cats and birds"), q1.query());
      assertEquals(
          List.of("d3", "d2", "d1"), q1.candidates().stream().map(Candidate::docid).toList());
      assertEquals(0.5117194, q1.candidates().get(0).score(), 0);
      assertEquals(new Passage("d3", "", "dog bird bird bird"), q1.candidates().get(0).passage());
    }
    try (var files = Files.list(runFile.getParent())) {
      assertEquals(2, files.count(), "no temporary files left behind");
    }
  }

  @Test
  void badInvocationsFailWithMessages() throws Exception {
    Path index = tmp.resolve("index");
    assertEquals(
        0, run("index", "--corpus", corpus().toString(), "--index", index.toString()).exitCode());
    Path queries = tmp.resolve("q.tsv");
    Files.write(queries, List.of("q1\tcat"));
    // no output named
    assertNotEquals(
        0,
        run("retrieve", "--index", index.toString(), "--queries", queries.toString()).exitCode());
    // dense retrieval on a BM25-only index
    Path out = tmp.resolve("r.trec");
    assertNotEquals(
        0,
        run(
                "retrieve",
                "--index",
                index.toString(),
                "--queries",
                queries.toString(),
                "--mode",
                "dense",
                "--run",
                out.toString())
            .exitCode());
    assertTrue(Files.notExists(out));
    // missing index, bad k1
    assertNotEquals(
        0,
        run(
                "retrieve",
                "--index",
                tmp.resolve("nope").toString(),
                "--queries",
                queries.toString(),
                "--run",
                out.toString())
            .exitCode());
    assertNotEquals(
        0,
        run(
                "retrieve",
                "--index",
                index.toString(),
                "--queries",
                queries.toString(),
                "--run",
                out.toString(),
                "--k1",
                "-1")
            .exitCode());
    // malformed corpus line is named
    Path bad = tmp.resolve("bad.jsonl");
    Files.write(bad, List.of("{\"_id\": \"a\", \"text\": \"ok\"}", "{not json"));
    assertNotEquals(
        0,
        run("index", "--corpus", bad.toString(), "--index", tmp.resolve("i2").toString())
            .exitCode());
  }

  @Test
  void denseAndHybridEndToEnd() throws Exception {
    Path corpus = tmp.resolve("facts.jsonl");
    Files.write(
        corpus,
        List.of(
            "{\"_id\": \"paris\", \"title\": \"Paris\", \"text\": \"Paris is the capital and largest city of France.\"}",
            "{\"_id\": \"everest\", \"title\": \"Mount Everest\", \"text\": \"Everest is Earth's highest mountain above sea level.\"}",
            "{\"_id\": \"python\", \"title\": \"Python\", \"text\": \"Python is a programming language.\"}"));
    Path index = tmp.resolve("dense");
    CliRun indexed =
        run("index", "--corpus", corpus.toString(), "--index", index.toString(), "--dense");
    assertEquals(0, indexed.exitCode());
    assertTrue(indexed.out().contains(", dense: bge-small-en-v1.5-q (384 dims)"), indexed.out());
    Path queries = tmp.resolve("q.jsonl");
    Files.write(queries, List.of("{\"_id\": \"1\", \"text\": \"tallest mountain on the planet\"}"));
    for (String mode : List.of("dense", "hybrid")) {
      Path out = tmp.resolve(mode + ".trec");
      assertEquals(
          0,
          run(
                  "retrieve",
                  "--index",
                  index.toString(),
                  "--queries",
                  queries.toString(),
                  "--mode",
                  mode,
                  "--hits",
                  "2",
                  "--run",
                  out.toString())
              .exitCode());
      List<String> lines = Files.readAllLines(out);
      assertEquals(2, lines.size());
      assertTrue(lines.get(0).startsWith("1 Q0 everest 1 "), mode + ": " + lines);
      assertTrue(lines.get(0).endsWith(" qpeft-" + mode), lines.get(0));
    }
  }
}
