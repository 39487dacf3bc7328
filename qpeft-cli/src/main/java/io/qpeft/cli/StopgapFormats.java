package io.qpeft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * TEMPORARY: minimal corpus and query readers until the {@code data} branch's {@code CorpusReader}
 * and {@code QueryReader} are merged; delete this class then. JSONL ({@code _id|id|docid}, {@code
 * title}, {@code text|contents}), a BEIR folder (its corpus.jsonl) and TSV ({@code id, text[,
 * title]}, DPR header skipped).
 */
final class StopgapFormats {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StopgapFormats() {}

  /** A closeable iterator over passages. */
  interface PassageReader extends Iterator<Passage>, Closeable {
    @Override
    void close();
  }

  static PassageReader openCorpus(Path path) {
    Path file = Files.isDirectory(path) ? path.resolve("corpus.jsonl") : path;
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException("corpus " + file + " does not exist");
    boolean jsonl = file.getFileName().toString().endsWith(".jsonl") || file.getFileName().toString().endsWith(".json");
    BufferedReader in;
    try {
      in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
    return new PassageReader() {
      long lineNo;
      Passage next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null) {
            String line = in.readLine();
            if (line == null) return false;
            lineNo++;
            if (line.isBlank()) continue;
            next = jsonl ? jsonPassage(line) : tsvPassage(line);
          }
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " line " + lineNo + ": " + e.getMessage(), e);
        }
      }

      private Passage tsvPassage(String line) {
        String[] f = line.split("\t", -1);
        if (f.length < 2) throw new IllegalArgumentException("expected 'id<TAB>text[<TAB>title]'");
        if (lineNo == 1 && f[0].equals("id") && f[1].equals("text")) return null; // DPR header
        return new Passage(f[0], f.length > 2 ? f[2] : "", f[1]);
      }

      @Override
      public Passage next() {
        if (!hasNext()) throw new NoSuchElementException();
        Passage p = next;
        next = null;
        return p;
      }

      @Override
      public void close() {
        try {
          in.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  private static Passage jsonPassage(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage());
    }
    String id = text(n, "_id", "id", "docid");
    if (id == null) throw new IllegalArgumentException("no passage id (_id, id or docid)");
    String body = text(n, "text", "contents");
    if (body == null) throw new IllegalArgumentException("passage " + id + " has no text (text or contents)");
    return new Passage(id, text(n, "title"), body);
  }

  static List<Query> readQueries(Path file) {
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException("queries file " + file + " does not exist");
    boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
    List<Query> out = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      long lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) continue;
        try {
          if (jsonl) {
            JsonNode n = JSON.readTree(line);
            String id = text(n, "_id", "qid", "id");
            String t = text(n, "text", "query", "question");
            if (id == null || t == null) throw new IllegalArgumentException("need _id|qid and text|query");
            out.add(new Query(id, t));
          } else {
            String[] f = line.split("\t", -1);
            if (f.length < 2) throw new IllegalArgumentException("expected 'qid<TAB>text'");
            out.add(new Query(f[0], f[1]));
          }
        } catch (IOException | IllegalArgumentException e) {
          throw new IllegalArgumentException(file + " line " + lineNo + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }

  private static String text(JsonNode n, String... names) {
    for (String name : names) {
      JsonNode v = n.get(name);
      if (v != null && !v.isNull()) return v.asText();
    }
    return null;
  }
}
