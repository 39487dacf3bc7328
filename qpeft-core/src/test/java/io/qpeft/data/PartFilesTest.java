package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs and JSONL candidates read from a job's output folder (part files + _SUCCESS). */
class PartFilesTest {
  @TempDir Path dir;

  /** A folder as Spark's text writer leaves it, parts written out of name order. */
  private Path sparkFolder(String part0, String part1) throws Exception {
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("part-00001-c0ffee-c000.txt"), part1);
    Files.writeString(out.resolve("part-00000-c0ffee-c000.txt"), part0);
    Files.writeString(out.resolve(".part-00000-c0ffee-c000.txt.crc"), "not data");
    Files.writeString(out.resolve("._SUCCESS.crc"), "not data");
    Files.writeString(out.resolve(PartFiles.SUCCESS), "");
    return out;
  }

  @Test
  void aTrecRunFolderReadsLikeTheConcatenatedFile() throws Exception {
    Path out =
        sparkFolder(
            "q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 1.5 t\n", "\uFEFFq2 Q0 d3 1 0.5 t\nq2 Q0 d1 2 -1 t\n");
    Path file = dir.resolve("run.trec");
    Files.writeString(
        file, "q1 Q0 d1 1 2.5 t\nq1 Q0 d2 2 1.5 t\nq2 Q0 d3 1 0.5 t\nq2 Q0 d1 2 -1 t\n");
    Map<String, List<RunEntry>> fromFolder = TrecRun.read(out);
    assertEquals(TrecRun.read(file), fromFolder);
    assertEquals(List.of("q1", "q2"), List.copyOf(fromFolder.keySet()));
    assertEquals(CandidatesSource.Format.TREC, CandidatesSource.detectFormat(out));
  }

  @Test
  void badLinesNameThePartFileAndItsLine() throws Exception {
    Path out = sparkFolder("q1 Q0 d1 1 2.5 t\n", "q2 Q0 d3 1 0.5 t\nq2 Q0 d1 x -1 t\n");
    BadRecordException e = assertThrows(BadRecordException.class, () -> TrecRun.read(out));
    assertEquals(
        out.resolve("part-00001-c0ffee-c000.txt") + ":2: rank 'x' is not an integer",
        e.getMessage());
  }

  @Test
  void aFolderWithoutSuccessMarkerIsRefused() throws Exception {
    Path out = sparkFolder("q1 Q0 d1 1 2.5 t\n", "");
    Files.delete(out.resolve(PartFiles.SUCCESS));
    assertTrue(PartFiles.isOutputFolder(out)); // it has part files
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TrecRun.read(out));
    assertTrue(e.getMessage().contains("has no _SUCCESS marker"), e.getMessage());
    assertFalse(PartFiles.isOutputFolder(dir.resolve("missing")));
  }

  @Test
  void jsonlCandidatesFromAFolderWithEmptyParts() throws Exception {
    String q1 =
        "{\"query\":{\"qid\":\"q1\",\"text\":\"a\"},\"candidates\":[{\"docid\":\"d1\",\"doc\":\"x\"}]}";
    String q2 =
        "{\"query\":{\"qid\":\"q2\",\"text\":\"b\"},\"candidates\":[{\"docid\":\"d2\",\"doc\":\"y\"}]}";
    Path out = sparkFolder("", q1 + "\n" + q2 + "\n");
    assertEquals(CandidatesSource.Format.JSONL, CandidatesSource.detectFormat(out));
    List<String> qids = new ArrayList<>();
    try (RecordReader<Candidates> in =
        CandidatesReader.open(CandidatesSource.detect(out, null, null), ErrorPolicy.FAIL)) {
      in.forEachRemaining(c -> qids.add(c.query().qid()));
    }
    assertEquals(List.of("q1", "q2"), qids);
  }
}
