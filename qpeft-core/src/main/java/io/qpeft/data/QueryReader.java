package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads query files into memory (query sets are small). Formats, detected from the name then the
 * content:
 *
 * <ul>
 *   <li>a BEIR folder: its {@code queries.jsonl};
 *   <li>JSONL (BEIR {@code queries.jsonl}): id in {@code _id}, {@code qid} or {@code id}, text in
 *       {@code text}, {@code query} or {@code question};
 *   <li>JSON array (DPR retriever output or DPR training data): {@code question}; the id is the
 *       element's {@code id}/{@code qid} field when present, else its 0-based index in the file;
 *   <li>TSV ({@code qid\ttext}, MS MARCO {@code queries.tsv}, TREC topics in TSV).
 * </ul>
 */
public final class QueryReader {
  /** Fields that hold a query's id in JSON query files, in order of preference. */
  public static final List<String> QID_FIELDS = List.of("_id", "qid", "id", "query_id");

  /** Fields that hold a query's text in JSON query files, in order of preference. */
  public static final List<String> QUERY_TEXT_FIELDS = List.of("text", "query", "question");

  private QueryReader() {}

  public static List<Query> read(Path path) {
    Path file = resolve(path);
    String name = TextFiles.baseName(file);
    int first = TextFiles.firstChar(file);
    List<Query> out = new ArrayList<>();
    if (first == '[') {
      try (JsonArrayReader r = new JsonArrayReader(file)) {
        for (JsonArrayReader.Element e; (e = r.next()) != null; ) {
          out.add(dprQuery(e, r.source()));
        }
      }
    } else if (first == '{' || name.endsWith(".jsonl")) {
      try (TextFiles.Lines lines = new TextFiles.Lines(file)) {
        for (String line; (line = lines.next()) != null; ) {
          if (line.isBlank()) continue;
          JsonNode node;
          try {
            node = PassageLines.JSON.readTree(line);
          } catch (Exception e) {
            throw lines.bad("invalid JSON: " + PassageLines.firstLine(e));
          }
          String qid = PassageLines.firstText(node, QID_FIELDS);
          String text = PassageLines.firstText(node, QUERY_TEXT_FIELDS);
          if (qid == null) throw lines.bad("query has no id field (one of " + QID_FIELDS + ")");
          if (text == null) {
            throw lines.bad(
                "query " + qid + " has no text field (one of " + QUERY_TEXT_FIELDS + ")");
          }
          out.add(new Query(qid, text));
        }
      }
    } else {
      try (TextFiles.Lines lines = new TextFiles.Lines(file)) {
        for (String line; (line = lines.next()) != null; ) {
          if (line.isBlank()) continue;
          int tab = line.indexOf('\t');
          if (tab < 0) throw lines.bad("expected 'qid<TAB>query text'");
          String qid = line.substring(0, tab).strip();
          if (lines.lineNumber() == 1 && QID_FIELDS.contains(qid.toLowerCase())) continue; // header
          out.add(new Query(qid, line.substring(tab + 1).strip()));
        }
      }
    }
    Set<String> seen = new HashSet<>();
    for (Query q : out) {
      if (!seen.add(q.qid())) {
        throw new IllegalArgumentException(file + ": query id " + q.qid() + " appears twice");
      }
    }
    return out;
  }

  /** Queries by id, in file order. */
  public static Map<String, Query> readMap(Path path) {
    Map<String, Query> map = new LinkedHashMap<>();
    for (Query q : read(path)) map.put(q.qid(), q);
    return map;
  }

  /** The query of one DPR array element: id field if any, else the element's index. */
  static Query dprQuery(JsonArrayReader.Element e, String source) {
    String text = PassageLines.firstText(e.node(), List.of("question", "query"));
    if (text == null) {
      throw new BadRecordException(
          source, e.line(), "element " + e.index() + " has no \"question\"");
    }
    String qid = PassageLines.firstText(e.node(), List.of("qid", "id", "question_id", "_id"));
    return new Query(qid != null ? qid : Integer.toString(e.index()), text);
  }

  private static Path resolve(Path path) {
    if (Files.isDirectory(path)) {
      Path f = path.resolve("queries.jsonl");
      if (Files.isRegularFile(f)) return f;
      throw new IllegalArgumentException(path + " is a folder without queries.jsonl");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("query file " + path + " does not exist");
    }
    return path;
  }
}
