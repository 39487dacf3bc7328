package io.qpeft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.qpeft.Fixtures;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.RecordReader;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/** Fixtures and comparisons shared by the Spark tests. */
final class SparkTests {
  /** The tiny Llama fixture of the core tests (random weights, the fixture tokenizer). */
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  /** The shipped example: 5 questions x 20 candidates with texts. */
  static final Path EXAMPLE = Path.of("../examples/rerank-requests.jsonl").toAbsolutePath();

  static final double TOLERANCE = 1e-6;

  private SparkTests() {}

  static SparkSession session(String master) {
    return SparkSession.builder()
        .master(master)
        .appName("qpeft-spark tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
  }

  static RerankerSpec upr() {
    return RerankerSpec.builder().setModel(ModelLocation.local(TINY_LLAMA)).build();
  }

  /** What the library (and so {@code qpeft rerank}) gives for {@code source}: entries per query. */
  static Map<String, List<RunEntry>> library(Reranker reranker, CandidatesSource source) {
    Map<String, List<RunEntry>> out = new LinkedHashMap<>();
    try (RecordReader<Candidates> in = CandidatesReader.open(source, ErrorPolicy.FAIL)) {
      while (in.hasNext()) {
        Candidates c = in.next();
        List<RunEntry> entries = new ArrayList<>();
        int rank = 1;
        for (Scored s : reranker.rerank(c.query(), c.passages(), 0)) {
          entries.add(new RunEntry(c.query().qid(), s.passage().docid(), rank++, s.score()));
        }
        out.put(c.query().qid(), entries);
      }
    }
    return out;
  }

  /**
   * Same queries, same order of documents for each, same ranks and scores within {@link
   * #TOLERANCE}.
   */
  static void assertSameRun(Map<String, List<RunEntry>> expected, Map<String, List<RunEntry>> got) {
    assertEquals(
        expected.keySet().stream().sorted().toList(), got.keySet().stream().sorted().toList());
    for (String qid : expected.keySet()) {
      List<RunEntry> e = expected.get(qid);
      List<RunEntry> g = got.get(qid);
      assertEquals(docids(e), docids(g), "ranking of " + qid);
      for (int i = 0; i < e.size(); i++) {
        assertEquals(e.get(i).rank(), g.get(i).rank());
        assertEquals(e.get(i).score(), g.get(i).score(), TOLERANCE, qid + " " + e.get(i).docid());
      }
    }
  }

  private static List<String> docids(List<RunEntry> entries) {
    return entries.stream().map(RunEntry::docid).collect(Collectors.toList());
  }

  /** The job's output folder read as a run, as {@code qpeft eval} reads it. */
  static Map<String, List<RunEntry>> run(Path folder) {
    return TrecRun.read(folder);
  }

  /** All lines of the part files, in part order. */
  static List<String> partLines(Path folder) {
    try {
      List<String> lines = new ArrayList<>();
      for (Path p : io.qpeft.data.PartFiles.list(folder)) lines.addAll(Files.readAllLines(p));
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
