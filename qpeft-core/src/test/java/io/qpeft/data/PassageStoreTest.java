package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PassageStoreTest {
  @TempDir Path dir;

  static final String DPR_TSV =
      "id\ttext\ttitle\n"
          + "1\t\"Aaron ( or ; \"\"Ahärôn\"\") is a prophet\"\tAaron\n"
          + "2\tplain text here\tSecond\n"
          + "10\tten\t\"Quoted, title\"\n";

  @Test
  void dprTsvWithHeaderAndCsvQuotingSequentialAndRandomAccess() throws Exception {
    Path tsv = dir.resolve("psgs.tsv");
    Files.writeString(tsv, DPR_TSV);
    List<Passage> seq = new ArrayList<>();
    try (RecordReader<Passage> r = CorpusReader.open(tsv)) {
      r.forEachRemaining(seq::add);
    }
    assertEquals(
        List.of(
            new Passage("1", "Aaron", "Aaron ( or ; \"Ahärôn\") is a prophet"),
            new Passage("2", "Second", "plain text here"),
            new Passage("10", "Quoted, title", "ten")),
        seq);
    try (PassageStore store = PassageStore.open(tsv)) {
      assertEquals(3, store.size());
      for (Passage p : seq) assertEquals(p, store.get(p.docid()));
      assertNull(store.get("3"));
      assertNull(store.get("id"), "the header is not a passage");
      assertEquals(seq.get(0), PassageStore.lookup(store, "wiki:1"));
    }
    assertTrue(Files.exists(dir.resolve("psgs.tsv.qpeft-idx")), "sidecar index persisted");
  }

  @Test
  void msMarcoCollectionWithoutHeader() throws Exception {
    Path tsv = dir.resolve("collection.tsv");
    Files.writeString(tsv, "0\tThe presence of communication\n1\tThe Manhattan Project\r\n");
    try (PassageStore store = PassageStore.open(tsv)) {
      assertEquals(new Passage("1", "", "The Manhattan Project"), store.get("1"));
      assertEquals(new Passage("0", "", "The presence of communication"), store.get("0"));
    }
  }

  @Test
  void beirFolderJsonlAllIdFieldVariants() throws Exception {
    Files.writeString(
        dir.resolve("corpus.jsonl"),
        "{\"_id\": \"d1\", \"title\": \"T1\", \"text\": \"one\"}\n"
            + "{\"text\": \"two\", \"id\": 2, \"extra\": {\"_id\": \"nested\"}}\n"
            + "\n"
            + "{\"docid\": \"d3\", \"contents\": \"three\"}\n");
    try (PassageStore store = PassageStore.open(dir)) {
      assertEquals(new Passage("d1", "T1", "one"), store.get("d1"));
      assertEquals(new Passage("2", "", "two"), store.get("2"));
      assertEquals(new Passage("d3", "", "three"), store.get("d3"));
      assertNull(store.get("nested"));
    }
    try (var s = CorpusReader.open(dir).stream()) {
      assertEquals(List.of("d1", "2", "d3"), s.map(Passage::docid).toList());
    }
  }

  @Test
  void randomAccessAgreesWithSequentialScanOnSeededRandomCollection() throws Exception {
    Random rnd = new Random(42);
    StringBuilder sb = new StringBuilder("id\ttext\ttitle\n");
    List<Passage> all = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      String id = Integer.toString(rnd.nextInt(1_000_000) * 3000 + i); // unique, unordered
      String text = "w".repeat(rnd.nextInt(300)) + " ü " + i;
      all.add(new Passage(id, "t" + i, text));
      sb.append(id).append('\t').append(text).append('\t').append("t").append(i).append('\n');
    }
    Path tsv = dir.resolve("big.tsv");
    Files.writeString(tsv, sb);
    try (PassageStore store = PassageStore.open(tsv)) {
      for (int i = 0; i < 500; i++) {
        Passage p = all.get(rnd.nextInt(all.size()));
        assertEquals(p, store.get(p.docid()));
      }
    }
  }

  @Test
  void staleSidecarIsRebuilt() throws Exception {
    Path tsv = dir.resolve("c.tsv");
    Files.writeString(tsv, "1\tone\n");
    try (PassageStore store = PassageStore.open(tsv)) {
      assertEquals("one", store.get("1").text());
    }
    Files.writeString(tsv, "1\tuno\n2\tdos\n");
    Files.setLastModifiedTime(
        tsv, FileTime.fromMillis(Files.getLastModifiedTime(tsv).toMillis() + 5000));
    try (PassageStore store = PassageStore.open(tsv)) {
      assertEquals("uno", store.get("1").text());
      assertEquals("dos", store.get("2").text());
    }
  }

  @Test
  void badLinesNameFileAndLine() throws Exception {
    Path tsv = dir.resolve("bad.tsv");
    Files.writeString(tsv, "1\tone\nonly-an-id\n3\tthree\n");
    BadRecordException e =
        assertThrows(
            BadRecordException.class,
            () -> {
              try (RecordReader<Passage> r = CorpusReader.open(tsv)) {
                r.forEachRemaining(p -> {});
              }
            });
    assertEquals(
        tsv + ":2: expected at least 2 tab-separated fields (id, text, title), got 1",
        e.getMessage());
    List<BadRecordException> skipped = new ArrayList<>();
    try (var s = CorpusReader.open(tsv, ErrorPolicy.skip(skipped::add)).stream()) {
      assertEquals(List.of("1", "3"), s.map(Passage::docid).toList());
    }
    assertEquals(1, skipped.size());
    assertEquals(2, skipped.get(0).line());
  }

  @Test
  void gzipCollectionIsReadSequentiallyButNotByRandomAccess() throws Exception {
    Path gz = dir.resolve("c.tsv.gz");
    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write("7\tseven\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    try (var s = CorpusReader.open(gz).stream()) {
      assertEquals(List.of(new Passage("7", "", "seven")), s.toList());
    }
    assertThrows(UnsupportedOperationException.class, () -> PassageStore.open(gz));
  }
}
