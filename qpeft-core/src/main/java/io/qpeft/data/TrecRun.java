package io.qpeft.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TREC run files: one line {@code qid Q0 docid rank score tag} per retrieved document, fields
 * separated by any whitespace. The {@code Q0} and {@code tag} columns are read and ignored. A run
 * may also be a job's output folder (part files + {@code _SUCCESS}, see {@link PartFiles}), as the
 * Spark job writes it.
 */
public final class TrecRun {
  private TrecRun() {}

  /** Streams the entries of a run (a file or a job's output folder) in file order. */
  public static RecordReader<RunEntry> open(Path file, ErrorPolicy policy) {
    TextFiles.Lines lines = TextFiles.Lines.fileOrParts(file);
    return new RecordReader.Lazy<>() {
      @Override
      protected RunEntry read() {
        for (String line; (line = lines.next()) != null; ) {
          if (line.isBlank()) continue;
          try {
            return parse(line, lines);
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

  /**
   * The whole run grouped by query, queries in order of first appearance, entries in file order.
   */
  public static Map<String, List<RunEntry>> read(Path file) {
    Map<String, List<RunEntry>> out = new LinkedHashMap<>();
    try (RecordReader<RunEntry> r = open(file, ErrorPolicy.FAIL)) {
      while (r.hasNext()) {
        RunEntry e = r.next();
        out.computeIfAbsent(e.qid(), k -> new ArrayList<>()).add(e);
      }
    }
    return out;
  }

  static RunEntry parse(String line, TextFiles.Lines where) {
    return parse(line, where.source, where.lineNumber());
  }

  /**
   * One run line; a malformed line throws a {@link BadRecordException} naming {@code source} and
   * {@code lineNumber}.
   */
  public static RunEntry parse(String line, String source, long lineNumber) {
    String[] f = line.strip().split("\\s+");
    if (f.length != 6) {
      throw new BadRecordException(
          source,
          lineNumber,
          "expected 6 fields 'qid Q0 docid rank score tag', got "
              + f.length
              + ": "
              + abbreviate(line));
    }
    int rank;
    double score;
    try {
      rank = Integer.parseInt(f[3]);
    } catch (NumberFormatException e) {
      throw new BadRecordException(source, lineNumber, "rank '" + f[3] + "' is not an integer");
    }
    try {
      score = Double.parseDouble(f[4]);
    } catch (NumberFormatException e) {
      throw new BadRecordException(source, lineNumber, "score '" + f[4] + "' is not a number");
    }
    if (Double.isNaN(score)) throw new BadRecordException(source, lineNumber, "score is NaN");
    return new RunEntry(f[0], f[2], rank, score);
  }

  /** One run line; the score in Java's shortest round-trip form. */
  public static String format(RunEntry e, String tag) {
    return e.qid() + " Q0 " + e.docid() + " " + e.rank() + " " + e.score() + " " + tag + "\n";
  }

  /** Writes a run atomically; {@code tag} must not contain whitespace. */
  public static void write(Path file, Iterable<RunEntry> entries, String tag) {
    checkTag(tag);
    try (AtomicOutput out = new AtomicOutput(file)) {
      for (RunEntry e : entries) out.write(format(e, tag));
      out.commit();
    }
  }

  static void checkTag(String tag) {
    if (tag == null || tag.isEmpty() || tag.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "run tag must be non-empty without spaces, got '" + tag + "'");
    }
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
