package io.qpeft.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** Opening text inputs: UTF-8, optionally gzip-compressed ({@code .gz}), with clear errors. */
final class TextFiles {
  private TextFiles() {}

  static InputStream openStream(Path file) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no such file");
    InputStream in = Files.newInputStream(file);
    if (isGzip(file)) in = new GZIPInputStream(in, 1 << 16);
    return in;
  }

  static BufferedReader open(Path file) {
    try {
      return new BufferedReader(
          new InputStreamReader(openStream(file), StandardCharsets.UTF_8), 1 << 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
    }
  }

  static boolean isGzip(Path file) {
    return lowerName(file).endsWith(".gz");
  }

  /** The file name in lower case without a trailing {@code .gz}. */
  static String baseName(Path file) {
    String name = lowerName(file);
    return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
  }

  private static String lowerName(Path file) {
    Path name = file.getFileName();
    return name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
  }

  /** The first non-blank line of a file (for format sniffing), or "" for an empty file. */
  static String firstLine(Path file) {
    try (BufferedReader r = open(file)) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) return line.strip();
      }
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The first non-whitespace character of a file, or -1 for an empty file; for a job's output
   * folder ({@link PartFiles}), of its first non-empty part.
   */
  static int firstChar(Path file) {
    if (PartFiles.isOutputFolder(file)) {
      for (Path part : PartFiles.list(file)) {
        int c = firstChar(part);
        if (c >= 0) return c;
      }
      return -1;
    }
    try (BufferedReader r = open(file)) {
      for (int c; (c = r.read()) >= 0; ) {
        if (!Character.isWhitespace(c) && c != '\uFEFF') return c;
      }
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A reader of lines that counts them, for error messages. Over several files (the parts of a
   * job's output folder) it reads them one after another; {@link #source} and the line number then
   * name the current part.
   */
  static final class Lines implements AutoCloseable {
    String source;
    private final List<Path> files;
    private int fileIndex;
    private BufferedReader reader;
    private long lineNumber;

    Lines(Path file) {
      this(List.of(file));
    }

    Lines(List<Path> files) {
      this.files = List.copyOf(files);
      this.source = files.isEmpty() ? "" : files.get(0).toString();
      this.reader = files.isEmpty() ? null : open(files.get(0));
    }

    /** Lines of a file, or of the part files of a job's output folder ({@link PartFiles}). */
    static Lines fileOrParts(Path path) {
      return new Lines(PartFiles.filesOf(path));
    }

    /** The next line (without terminator), or null at the end. Strips a UTF-8 BOM on line 1. */
    String next() {
      try {
        if (reader == null) return null;
        String line = reader.readLine();
        while (line == null) {
          if (fileIndex + 1 >= files.size()) return null;
          reader.close();
          Path nextFile = files.get(++fileIndex);
          reader = null; // a failed open must not close the previous reader twice
          reader = open(nextFile);
          source = nextFile.toString();
          lineNumber = 0;
          line = reader.readLine();
        }
        lineNumber++;
        if (lineNumber == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF')
          line = line.substring(1);
        return line;
      } catch (IOException e) {
        throw new UncheckedIOException("error reading " + source + " after line " + lineNumber, e);
      }
    }

    long lineNumber() {
      return lineNumber;
    }

    BadRecordException bad(String problem) {
      return new BadRecordException(source, lineNumber, problem);
    }

    @Override
    public void close() {
      try {
        if (reader != null) reader.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
