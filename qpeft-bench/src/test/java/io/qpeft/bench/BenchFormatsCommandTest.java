package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchFormatsCommandTest {
  @TempDir Path tmp;

  @Test
  void everyLookupFindsItsPassage() throws Exception {
    BenchRun run =
        BenchRun.of(
            "bench-formats", "--lines", "2000", "--lookups", "500", "--dir", tmp.toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().startsWith("collection: 2,000 passages, "), run.out());
    assertTrue(run.out().contains("sequential scan: "), run.out());
    assertTrue(run.out().contains("index build: "), run.out());
    assertTrue(run.out().contains("random lookups: 500 in "), run.out());
    assertTrue(run.out().contains(", 500 found, "), run.out());
    assertTrue(Files.readString(tmp.resolve("bench-psgs.tsv")).contains("\"\"quoted\"\""));
  }
}
