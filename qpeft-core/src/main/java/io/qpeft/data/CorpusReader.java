package io.qpeft.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Sequential reading of a passage collection, one {@link Passage} at a time in file order, in
 * constant memory. Formats (detected from the name, then the first character):
 *
 * <ul>
 *   <li>a BEIR dataset folder: its {@code corpus.jsonl} (or {@code corpus.jsonl.gz});
 *   <li>{@code .jsonl}/{@code .json} or content starting with <code>{</code>: JSON lines, see
 *       {@link PassageLines};
 *   <li>{@code .tsv} or anything else: TSV, DPR {@code psgs_w100.tsv} or MS MARCO {@code
 *       collection.tsv}.
 * </ul>
 *
 * Any of these may be gzip-compressed ({@code .gz}). For random access by id use {@link
 * PassageStore#open(Path)}.
 */
public final class CorpusReader {
  /** Fields that hold a passage's id in JSON collections, in order of preference. */
  public static final List<String> ID_FIELDS = PassageLines.ID_FIELDS;

  /** Fields that hold a passage's text in JSON collections, in order of preference. */
  public static final List<String> TEXT_FIELDS = PassageLines.TEXT_FIELDS;

  private CorpusReader() {}

  /** Opens {@code collection} with {@link ErrorPolicy#FAIL}. */
  public static RecordReader<Passage> open(Path collection) {
    return open(collection, ErrorPolicy.FAIL);
  }

  public static RecordReader<Passage> open(Path collection, ErrorPolicy policy) {
    Path file = resolve(collection);
    TextFiles.Lines lines = new TextFiles.Lines(file);
    boolean tsv = isTsv(file);
    return new RecordReader.Lazy<>() {
      PassageLines.TsvLayout layout;

      @Override
      protected Passage read() {
        for (String line; (line = lines.next()) != null; ) {
          if (line.isBlank()) continue;
          try {
            if (!tsv) return PassageLines.parseJson(line, lines.source, lines.lineNumber());
            if (layout == null) {
              layout = PassageLines.TsvLayout.detect(line);
              if (layout.hasHeader()) continue;
            }
            return PassageLines.parseTsv(line, layout, lines);
          } catch (BadRecordException e) {
            policy.badRecord(e);
          }
        }
        return null;
      }

      @Override
      public void close() {
        lines.close();
      }
    };
  }

  /** The collection file itself: {@code corpus.jsonl} inside a BEIR folder, else the path. */
  static Path resolve(Path collection) {
    if (Files.isDirectory(collection)) {
      for (String name : new String[] {"corpus.jsonl", "corpus.jsonl.gz"}) {
        Path f = collection.resolve(name);
        if (Files.isRegularFile(f)) return f;
      }
      throw new IllegalArgumentException(
          collection
              + " is a folder without corpus.jsonl; expected a BEIR dataset folder or a"
              + " collection file (.tsv, .jsonl)");
    }
    if (!Files.isRegularFile(collection)) {
      throw new IllegalArgumentException("collection " + collection + " does not exist");
    }
    return collection;
  }

  static boolean isTsv(Path file) {
    String name = TextFiles.baseName(file);
    if (name.endsWith(".tsv")) return true;
    if (name.endsWith(".jsonl") || name.endsWith(".json")) return false;
    return TextFiles.firstChar(file) != '{';
  }
}
