package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Locale;

/**
 * Parsing one line of a passage collection into a {@link Passage}. Two line formats:
 *
 * <ul>
 *   <li>TSV: DPR {@code psgs_w100.tsv} ({@code id\ttext\ttitle} with a header line, fields quoted
 *       the way Python's csv module does) or MS MARCO {@code collection.tsv} ({@code pid\ttext}, no
 *       header). With a header, columns are found by name; without one they are id, text, title.
 *   <li>JSONL: BEIR {@code corpus.jsonl} and Pyserini-style JSON, one object per line, id in {@code
 *       _id}, {@code id}, {@code docid}, {@code doc_id} or {@code pid}, body in {@code text} or
 *       {@code contents}, optional {@code title}.
 * </ul>
 */
final class PassageLines {
  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> ID_FIELDS = List.of("_id", "id", "docid", "doc_id", "pid");
  static final List<String> TEXT_FIELDS = List.of("text", "contents", "body");

  private PassageLines() {}

  /** Column positions of a passage TSV. */
  record TsvLayout(boolean hasHeader, int idColumn, int textColumn, int titleColumn) {
    static final TsvLayout NO_HEADER = new TsvLayout(false, 0, 1, 2);

    /** Reads the layout from the first line of the file. */
    static TsvLayout detect(String firstLine) {
      String[] fields = firstLine.split("\t", -1);
      String first = fields[0].strip().toLowerCase(Locale.ROOT);
      if (!ID_FIELDS.contains(first) && !first.equals("passage_id")) return NO_HEADER;
      int text = -1;
      int title = -1;
      for (int i = 1; i < fields.length; i++) {
        String name = fields[i].strip().toLowerCase(Locale.ROOT);
        if (TEXT_FIELDS.contains(name)) text = i;
        if (name.equals("title")) title = i;
      }
      if (text < 0) return NO_HEADER;
      return new TsvLayout(true, 0, text, title);
    }
  }

  static Passage parseTsv(String line, TsvLayout layout, TextFiles.Lines where) {
    String[] fields = line.split("\t", -1);
    if (fields.length <= layout.textColumn()) {
      throw new BadRecordException(
          where.source,
          where.lineNumber(),
          "expected at least "
              + (layout.textColumn() + 1)
              + " tab-separated fields (id, text"
              + (layout.titleColumn() >= 0 ? ", title" : "")
              + "), got "
              + fields.length);
    }
    String id = fields[layout.idColumn()].strip();
    if (id.isEmpty()) throw where.bad("empty passage id");
    String title =
        layout.titleColumn() >= 0 && layout.titleColumn() < fields.length
            ? unquote(fields[layout.titleColumn()])
            : "";
    return new Passage(id, title, unquote(fields[layout.textColumn()]));
  }

  /** Parses a TSV line read by random access (source and line for messages only). */
  static Passage parseTsv(String line, TsvLayout layout, String source, long offset) {
    String[] fields = line.split("\t", -1);
    if (fields.length <= layout.textColumn()) {
      throw new BadRecordException(
          source, -1, "record at byte offset " + offset + " has " + fields.length + " fields");
    }
    String title =
        layout.titleColumn() >= 0 && layout.titleColumn() < fields.length
            ? unquote(fields[layout.titleColumn()])
            : "";
    return new Passage(
        fields[layout.idColumn()].strip(), title, unquote(fields[layout.textColumn()]));
  }

  /** Undoes Python csv quoting: {@code "a ""b"""} becomes {@code a "b"}. Unquoted fields pass. */
  static String unquote(String field) {
    if (field.length() >= 2 && field.charAt(0) == '"' && field.charAt(field.length() - 1) == '"') {
      return field.substring(1, field.length() - 1).replace("\"\"", "\"");
    }
    return field;
  }

  static Passage parseJson(String line, String source, long lineNumber) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (Exception e) {
      throw new BadRecordException(source, lineNumber, "invalid JSON: " + firstLine(e), e);
    }
    return fromJson(node, source, lineNumber);
  }

  /** A passage from a JSON object with one of the id fields, a text field and an optional title. */
  static Passage fromJson(JsonNode node, String source, long lineNumber) {
    if (node == null || !node.isObject()) {
      throw new BadRecordException(source, lineNumber, "expected a JSON object for a passage");
    }
    String id = firstText(node, ID_FIELDS);
    if (id == null || id.isEmpty()) {
      throw new BadRecordException(
          source, lineNumber, "passage has no id field (one of " + ID_FIELDS + ")");
    }
    String text = firstText(node, TEXT_FIELDS);
    if (text == null) {
      throw new BadRecordException(
          source, lineNumber, "passage " + id + " has no text field (one of " + TEXT_FIELDS + ")");
    }
    JsonNode title = node.get("title");
    return new Passage(id, title == null || title.isNull() ? "" : title.asText(), text);
  }

  /** The text of the first present, non-null field among {@code names}, or null. */
  static String firstText(JsonNode node, List<String> names) {
    for (String name : names) {
      JsonNode v = node.get(name);
      if (v != null && !v.isNull() && v.isValueNode()) return v.asText();
    }
    return null;
  }

  static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
