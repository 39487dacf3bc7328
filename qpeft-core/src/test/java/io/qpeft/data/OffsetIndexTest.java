package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
  @TempDir Path dir;

  @Test
  void sortPairsAgreesWithNaiveSortOnSeededRandomInput() {
    Random rnd = new Random(42);
    for (int trial = 0; trial < 50; trial++) {
      int n = rnd.nextInt(2000);
      long[] keys = new long[n];
      long[] offs = new long[n];
      for (int i = 0; i < n; i++) {
        keys[i] =
            trial % 2 == 0 ? rnd.nextLong() : rnd.nextInt(10); // many duplicates on odd trials
        offs[i] = i * 7L;
      }
      List<long[]> naive = new ArrayList<>();
      for (int i = 0; i < n; i++) naive.add(new long[] {keys[i], offs[i]});
      naive.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
      OffsetIndex.sortPairs(keys, offs, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(naive.get(i)[0], keys[i]);
        assertEquals(naive.get(i)[1], offs[i]);
      }
    }
  }

  @Test
  void scanLinesReportsByteOffsetsAcrossBufferBoundariesAndCrlf() throws Exception {
    StringBuilder sb = new StringBuilder();
    List<Long> expected = new ArrayList<>();
    Random rnd = new Random(7);
    long offset = 0;
    for (int i = 0; i < 3000; i++) {
      expected.add(offset);
      String line = "é".repeat(rnd.nextInt(900)) + i + (i % 3 == 0 ? "\r\n" : "\n");
      sb.append(line);
      offset += line.getBytes(StandardCharsets.UTF_8).length;
    }
    sb.append("last-without-newline");
    expected.add(offset);
    Path f = dir.resolve("lines.txt");
    Files.writeString(f, sb);
    List<Long> got = new ArrayList<>();
    List<String> tails = new ArrayList<>();
    OffsetIndex.scanLines(
        f,
        (buf, s, e, off, line) -> {
          got.add(off);
          tails.add(new String(buf, s, e - s, StandardCharsets.UTF_8));
        });
    assertEquals(expected, got);
    assertEquals("last-without-newline", tails.get(tails.size() - 1));
    assertFalse(tails.get(0).endsWith("\r"), "CR of a CRLF line is not part of the line");
  }

  @Test
  void lookupReturnsAllOffsetsOfAKey() throws Exception {
    Path f = dir.resolve("k.txt");
    Files.writeString(f, "a\nb\na\n");
    OffsetIndex idx =
        OffsetIndex.openOrBuild(
            f, dir.resolve("k.idx"), (buf, s, e, line) -> OffsetIndex.hash(buf, s, e));
    assertEquals(3, idx.size());
    long[] a = idx.lookup(OffsetIndex.hash("a"));
    java.util.Arrays.sort(a);
    assertArrayEquals(new long[] {0, 4}, a);
    assertArrayEquals(new long[] {2}, idx.lookup(OffsetIndex.hash("b")));
    assertArrayEquals(new long[0], idx.lookup(OffsetIndex.hash("c")));
  }
}
