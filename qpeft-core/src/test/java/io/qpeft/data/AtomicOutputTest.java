package io.qpeft.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  @TempDir Path tmp;

  private List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void commitReplacesTheTargetAndLeavesNoTemporaryFile() throws Exception {
    Path target = tmp.resolve("run.trec");
    Files.writeString(target, "old\n");
    try (AtomicOutput out = new AtomicOutput(target)) {
      out.write("new ");
      out.writer().write("content\n");
      assertEquals("old\n", Files.readString(target), "invisible before the commit");
      out.commit();
    }
    assertEquals("new content\n", Files.readString(target));
    assertEquals(List.of("run.trec"), files());
  }

  @Test
  void closeWithoutCommitKeepsTheOldTarget() throws Exception {
    Path target = tmp.resolve("eval.json");
    Files.writeString(target, "old\n");
    assertThrows(
        IllegalStateException.class,
        () -> {
          try (AtomicOutput out = new AtomicOutput(target)) {
            out.write("half of it");
            throw new IllegalStateException("a failure while writing");
          }
        });
    assertEquals("old\n", Files.readString(target));
    assertEquals(List.of("eval.json"), files());
    // and no target at all when there was none
    try (AtomicOutput out = new AtomicOutput(tmp.resolve("sub/none.txt"))) {
      out.write("x");
    }
    assertFalse(Files.exists(tmp.resolve("sub/none.txt")));
  }

  @Test
  void gzipTargetsAreCompressed() throws Exception {
    Path target = tmp.resolve("c.jsonl.gz");
    try (AtomicOutput out = new AtomicOutput(target)) {
      out.write("{\"a\":1}\n");
      out.commit();
    }
    try (InputStream in = new GZIPInputStream(Files.newInputStream(target))) {
      assertEquals("{\"a\":1}\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void binaryContentGoesThroughTheStream() throws Exception {
    Path target = tmp.resolve("w.safetensors");
    byte[] bytes = new byte[200_000];
    for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 31);
    try (AtomicOutput out = new AtomicOutput(target)) {
      out.stream().write(bytes);
      out.commit();
    }
    assertArrayEquals(bytes, Files.readAllBytes(target));
  }

  @Test
  void withoutATargetItWritesToTheGivenWriterAndLeavesItOpen() throws Exception {
    StringWriter sw = new StringWriter();
    Writer stdout = new java.io.BufferedWriter(sw);
    try (AtomicOutput out = AtomicOutput.toFileOrStdout(null, stdout)) {
      out.write("line\n");
      out.commit();
    }
    assertEquals("line\n", sw.toString());
    stdout.write("still open\n");
    stdout.flush();
    assertEquals("line\nstill open\n", sw.toString());
    assertThrows(
        UnsupportedOperationException.class,
        () -> AtomicOutput.toFileOrStdout(null, stdout).stream());
    // with a target it writes the file, not the writer
    try (AtomicOutput out = AtomicOutput.toFileOrStdout(tmp.resolve("f.txt"), stdout)) {
      out.write("to the file\n");
      out.commit();
    }
    assertEquals("to the file\n", Files.readString(tmp.resolve("f.txt")));
    assertEquals("line\nstill open\n", sw.toString());
  }

  @Test
  void writeStringAndMoveDurably() throws Exception {
    AtomicOutput.writeString(tmp.resolve("a/config.json"), "{}\n");
    assertEquals("{}\n", Files.readString(tmp.resolve("a/config.json")));
    Path from = tmp.resolve("blob.incomplete");
    Files.writeString(from, "done");
    AtomicOutput.moveDurably(from, tmp.resolve("blob"));
    assertEquals("done", Files.readString(tmp.resolve("blob")));
    assertFalse(Files.exists(from));
  }

  @Test
  void aCommittedOutputCannotBeCommittedTwice() {
    AtomicOutput out = new AtomicOutput(tmp.resolve("x"));
    out.commit();
    assertThrows(IllegalStateException.class, out::commit);
    out.close();
  }
}
