package io.qpeft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The scores of finished queries of a long rerank run, so that an interrupted run picks up where it
 * stopped. One JSON line per query, appended and forced to disk before the next query starts:
 *
 * <pre>
 * {"qpeft_rerank_journal":1,"settings":{...}}        first line: what the scores depend on
 * {"i":0,"qid":"q1","scores":[-3.25,-4.5,...]}       query 0 of the input, scores in input order
 * </pre>
 *
 * Doubles are written in their shortest round-trip form, so journaled scores come back
 * bit-identical. A torn last line (the process died while writing it) is cut off on open. A journal
 * written with other settings is refused rather than mixed in, unless it holds no scores yet.
 */
final class RerankJournal implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MAGIC = "qpeft_rerank_journal";

  private final Path file;
  private final FileChannel channel;
  private final Map<Integer, Entry> done;

  /** A finished query. */
  record Entry(String qid, double[] scores) {}

  private RerankJournal(Path file, FileChannel channel, Map<Integer, Entry> done) {
    this.file = file;
    this.channel = channel;
    this.done = done;
  }

  /** The journal next to an output file: {@code OUT.partial}. */
  static Path nextTo(Path output) {
    return output.resolveSibling(output.getFileName() + ".partial");
  }

  /**
   * Opens (or starts) the journal {@code file} for a run with {@code settings}.
   *
   * @throws IllegalArgumentException if the journal belongs to a run with other settings
   */
  static RerankJournal open(Path file, ObjectNode settings) throws IOException {
    Map<Integer, Entry> done = new HashMap<>();
    long good = 0; // bytes up to the end of the last complete line
    JsonNode header = null;
    if (Files.exists(file)) {
      byte[] bytes = Files.readAllBytes(file);
      int start = 0;
      for (int lineNo = 1; start < bytes.length; lineNo++) {
        int end = indexOf(bytes, (byte) '\n', start);
        if (end < 0) break; // torn last line
        String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(
              file
                  + ":"
                  + lineNo
                  + ": not a qpeft rerank journal line; delete "
                  + file
                  + " to start over");
        }
        if (lineNo == 1) {
          header = node;
        } else {
          ArrayNode s = (ArrayNode) node.get("scores");
          double[] scores = new double[s.size()];
          for (int k = 0; k < scores.length; k++) scores[k] = s.get(k).asDouble();
          done.put(node.get("i").asInt(), new Entry(node.get("qid").asText(), scores));
        }
        start = end + 1;
        good = start;
      }
      if (header != null && header.has(MAGIC) && done.isEmpty()) {
        good = 0; // nothing was scored yet (e.g. the run failed while loading): start over
      } else if (header != null) {
        checkHeader(file, header, settings);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      ch.truncate(good);
      ch.position(good);
      RerankJournal journal = new RerankJournal(file, ch, done);
      if (good == 0) {
        ObjectNode first = JSON.createObjectNode();
        first.put(MAGIC, 1);
        first.set("settings", settings);
        journal.append(first);
      }
      return journal;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static void checkHeader(Path file, JsonNode header, ObjectNode settings) {
    if (!header.has(MAGIC)) {
      throw new IllegalArgumentException(
          file + " is not a qpeft rerank journal; delete it or choose another --output");
    }
    JsonNode old = header.get("settings");
    if (!Objects.equals(old, settings)) {
      StringBuilder diff = new StringBuilder();
      settings
          .fieldNames()
          .forEachRemaining(
              k -> {
                if (!Objects.equals(old.get(k), settings.get(k))) {
                  diff.append(diff.length() == 0 ? "" : ", ")
                      .append(k)
                      .append(' ')
                      .append(old.get(k))
                      .append(" -> ")
                      .append(settings.get(k));
                }
              });
      throw new IllegalArgumentException(
          file
              + " holds scores of an interrupted run with other settings ("
              + diff
              + "); rerun with the same settings to resume, or delete it to start over");
    }
  }

  /** The scores of query {@code i} if an earlier run finished it; checks it is the same query. */
  Entry done(int i, String qid, int candidates) {
    Entry e = done.get(i);
    if (e == null) return null;
    if (!e.qid().equals(qid) || e.scores().length != candidates) {
      throw new IllegalArgumentException(
          file
              + ": query "
              + i
              + " was "
              + e.qid()
              + " with "
              + e.scores().length
              + " candidates, the input now has "
              + qid
              + " with "
              + candidates
              + "; the input changed, delete "
              + file
              + " to start over");
    }
    return e;
  }

  int size() {
    return done.size();
  }

  /** Records query {@code i} as finished, on disk before returning. */
  void add(int i, String qid, double[] scores) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("i", i);
    o.put("qid", qid);
    ArrayNode s = o.putArray("scores");
    for (double d : scores) s.add(d);
    append(o);
    done.put(i, new Entry(qid, scores.clone()));
  }

  private void append(ObjectNode node) throws IOException {
    ByteBuffer buf =
        ByteBuffer.wrap((JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
    while (buf.hasRemaining()) channel.write(buf);
    channel.force(false);
  }

  /** Closes and deletes the journal: the final output is written. */
  void finish() throws IOException {
    channel.close();
    Files.deleteIfExists(file);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) if (b[i] == v) return i;
    return -1;
  }
}
