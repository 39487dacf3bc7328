package io.qpeft.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes retrieval results as a TREC run ({@code qid Q0 docid rank score tag}, scores with 6
 * decimals as Anserini does) and/or rerank-ready JSONL. Each output goes to a temporary file in the
 * target's folder and is moved into place by {@link #commit()}; closing without commit deletes it,
 * so a failed run never leaves a truncated file.
 */
final class RunOutput implements AutoCloseable {
  private static final JsonFactory JSON =
      new JsonFactory().disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM); // one flush at commit, not per line

  private final String tag;
  private final List<Path[]> files = new ArrayList<>(); // {temp, target}
  private final Writer trec;
  private final Writer jsonl;
  private boolean committed;

  RunOutput(Path run, Path jsonlPath, String tag) throws IOException {
    this.tag = tag;
    this.trec = run == null ? null : open(run);
    this.jsonl = jsonlPath == null ? null : open(jsonlPath);
  }

  private Writer open(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    files.add(new Path[] {tmp, target});
    return new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16);
  }

  void write(Query q, List<Candidate> candidates) throws IOException {
    if (trec != null) {
      for (int i = 0; i < candidates.size(); i++) {
        Candidate c = candidates.get(i);
        trec.write(String.format(Locale.ROOT, "%s Q0 %s %d %.6f %s%n", q.qid(), c.docid(), i + 1, c.score(), tag));
      }
    }
    if (jsonl != null) {
      JsonGenerator g = JSON.createGenerator(jsonl);
      g.writeStartObject();
      g.writeObjectFieldStart("query");
      g.writeStringField("qid", q.qid());
      g.writeStringField("text", q.text());
      g.writeEndObject();
      g.writeArrayFieldStart("candidates");
      for (Candidate c : candidates) {
        g.writeStartObject();
        g.writeStringField("docid", c.docid());
        g.writeNumberField("score", c.score());
        g.writeObjectFieldStart("doc");
        g.writeStringField("title", c.passage().title());
        g.writeStringField("text", c.passage().text());
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
      g.flush();
      jsonl.write('\n');
    }
  }

  /** Flushes and atomically moves every output into place. */
  void commit() throws IOException {
    if (trec != null) trec.close();
    if (jsonl != null) jsonl.close();
    for (Path[] f : files) {
      Files.move(f[0], f[1], StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    committed = true;
  }

  @Override
  public void close() {
    if (committed) return;
    try {
      if (trec != null) trec.close();
      if (jsonl != null) jsonl.close();
      for (Path[] f : files) Files.deleteIfExists(f[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
