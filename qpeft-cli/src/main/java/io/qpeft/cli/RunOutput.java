package io.qpeft.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.qpeft.data.AtomicOutput;
import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes retrieval results as a TREC run ({@link TrecRun#format}) and/or rerank-ready JSONL, one
 * line per query: {@code {"query":{"qid","text"},"candidates":[{"docid","score","doc":{"title",
 * "text"}}]}}, the request shape that {@code qpeft rerank} reads. Both are {@link AtomicOutput}s:
 * nothing appears unless {@link #commit()} is reached.
 */
final class RunOutput implements AutoCloseable {
  private static final JsonFactory JSON =
      new JsonFactory()
          .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET) // the AtomicOutput owns the writer
          .disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM); // no flush per line

  private final String tag;
  private final AtomicOutput trec;
  private final AtomicOutput jsonl;

  RunOutput(Path run, Path jsonlPath, String tag) {
    this.tag = tag;
    this.trec = run == null ? null : new AtomicOutput(run);
    AtomicOutput j = null;
    try {
      j = jsonlPath == null ? null : new AtomicOutput(jsonlPath);
    } finally {
      if (j == null && jsonlPath != null && trec != null) trec.close();
    }
    this.jsonl = j;
  }

  void write(Query q, List<Candidate> candidates) throws IOException {
    if (trec != null) {
      for (int i = 0; i < candidates.size(); i++) {
        Candidate c = candidates.get(i);
        trec.write(TrecRun.format(new RunEntry(q.qid(), c.docid(), i + 1, c.score()), tag));
      }
    }
    if (jsonl != null) {
      try (JsonGenerator g = JSON.createGenerator(jsonl.writer())) {
        writeJson(g, q, candidates);
      }
      jsonl.write("\n");
    }
  }

  private static void writeJson(JsonGenerator g, Query q, List<Candidate> candidates)
      throws IOException {
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
  }

  /** Moves every output into place. */
  void commit() {
    if (trec != null) trec.commit();
    if (jsonl != null) jsonl.commit();
  }

  /** Discards what was not committed. */
  @Override
  public void close() {
    try {
      if (trec != null) trec.close();
    } finally {
      if (jsonl != null) jsonl.close();
    }
  }
}
