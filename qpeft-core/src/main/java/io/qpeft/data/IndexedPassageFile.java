package io.qpeft.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A passage collection file read by random access: an {@link OffsetIndex} sidecar maps each id to
 * the byte offset of its line, and {@link #get} reads that one line. Memory use is independent of
 * the collection's size (the index is memory-mapped); lookups cost one binary search and one
 * positional read. Supports TSV (DPR, MS MARCO) and JSONL (BEIR) collections, not compressed ones.
 */
final class IndexedPassageFile implements PassageStore {
  static final String SIDECAR_SUFFIX = ".qpeft-idx";

  private final Path file;
  private final FileChannel channel;
  private final OffsetIndex index;
  private final PassageLines.TsvLayout layout; // null for JSONL

  private IndexedPassageFile(
      Path file, FileChannel channel, OffsetIndex index, PassageLines.TsvLayout layout) {
    this.file = file;
    this.channel = channel;
    this.index = index;
    this.layout = layout;
  }

  static IndexedPassageFile open(Path collection) {
    Path file = CorpusReader.resolve(collection);
    if (TextFiles.isGzip(file)) {
      throw new UnsupportedOperationException(
          "random access needs an uncompressed collection; decompress " + file + " first");
    }
    boolean tsv = CorpusReader.isTsv(file);
    try {
      PassageLines.TsvLayout layout =
          tsv ? PassageLines.TsvLayout.detect(TextFiles.firstLine(file)) : null;
      String source = file.toString();
      OffsetIndex.KeyExtractor keys =
          tsv
              ? (buf, start, end, line) -> tsvKey(buf, start, end, line, layout)
              : (buf, start, end, line) -> jsonKey(buf, start, end, line, source);
      Path sidecar = file.resolveSibling(file.getFileName() + SIDECAR_SUFFIX);
      OffsetIndex index = OffsetIndex.openOrBuild(file, sidecar, keys);
      return new IndexedPassageFile(
          file, FileChannel.open(file, StandardOpenOption.READ), index, layout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot index " + file + ": " + e.getMessage(), e);
    }
  }

  private static Long tsvKey(
      byte[] buf, int start, int end, long line, PassageLines.TsvLayout layout) {
    if (line == 1 && layout.hasHeader()) return null;
    if (end == start) return null; // blank line
    int tab = start;
    while (tab < end && buf[tab] != '\t') tab++;
    int s = start;
    int e = tab;
    while (s < e && buf[s] == ' ') s++;
    while (e > s && buf[e - 1] == ' ') e--;
    if (line == 1 && s + 3 <= e && buf[s] == (byte) 0xEF) s += 3; // UTF-8 byte order mark
    return OffsetIndex.hash(buf, s, e);
  }

  private static Long jsonKey(byte[] buf, int start, int end, long line, String source)
      throws IOException {
    int s = start;
    while (s < end && (buf[s] == ' ' || buf[s] == '\t')) s++;
    if (s == end) return null;
    String best = null;
    int bestRank = Integer.MAX_VALUE;
    try (JsonParser p = PassageLines.JSON.getFactory().createParser(buf, s, end - s)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new BadRecordException(source, line, "expected a JSON object per line");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        int rank = PassageLines.ID_FIELDS.indexOf(p.currentName());
        JsonToken value = p.nextToken();
        if (rank >= 0
            && rank < bestRank
            && value.isScalarValue()
            && value != JsonToken.VALUE_NULL) {
          best = p.getText();
          bestRank = rank;
        } else {
          p.skipChildren();
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadRecordException(source, line, "invalid JSON: " + PassageLines.firstLine(e), e);
    }
    if (best == null) {
      throw new BadRecordException(
          source, line, "passage has no id field (one of " + PassageLines.ID_FIELDS + ")");
    }
    return OffsetIndex.hash(best);
  }

  @Override
  public Passage get(String docid) {
    for (long offset : index.lookup(OffsetIndex.hash(docid))) {
      String line = readLine(offset);
      Passage p =
          layout != null
              ? PassageLines.parseTsv(line, layout, file.toString(), offset)
              : PassageLines.parseJson(line, file.toString(), -1);
      if (p.docid().equals(docid)) return p; // else a hash collision: try the next candidate
    }
    return null;
  }

  @Override
  public long size() {
    return index.size();
  }

  /** Reads the line starting at {@code offset} with positional reads (thread-safe). */
  private String readLine(long offset) {
    ByteArrayOutputStream line = null;
    ByteBuffer buf = ByteBuffer.allocate(4096);
    long pos = offset;
    try {
      while (true) {
        buf.clear();
        int n = channel.read(buf, pos);
        if (n <= 0) break;
        byte[] a = buf.array();
        int nl = 0;
        while (nl < n && a[nl] != '\n') nl++;
        if (line == null && nl < n) return decode(a, nl); // the common case: one read
        if (line == null) line = new ByteArrayOutputStream(8192);
        line.write(a, 0, nl);
        if (nl < n) break;
        pos += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " at byte " + offset, e);
    }
    byte[] all = line == null ? new byte[0] : line.toByteArray();
    return decode(all, all.length);
  }

  private static String decode(byte[] a, int len) {
    if (len > 0 && a[len - 1] == '\r') len--;
    return new String(a, 0, len, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sidecar index file of a collection (for tools that want to delete or report it). */
  static Path sidecarOf(Path file) {
    return file.resolveSibling(file.getFileName() + SIDECAR_SUFFIX);
  }

  static boolean hasSidecar(Path file) {
    return Files.exists(sidecarOf(file));
  }
}
