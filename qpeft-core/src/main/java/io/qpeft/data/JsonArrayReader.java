package io.qpeft.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Streams the elements of a top-level JSON array (DPR retriever output, DPR training data) one
 * object at a time with Jackson's streaming parser, so a multi-gigabyte file never sits in memory.
 * Each element comes with its 0-based index and the line it starts on.
 */
final class JsonArrayReader implements AutoCloseable {
  /** One array element. */
  record Element(int index, long line, ObjectNode node) {}

  private final String source;
  private final JsonParser parser;
  private int index;

  JsonArrayReader(Path file) {
    this.source = file.toString();
    try {
      InputStream in = TextFiles.openStream(file);
      this.parser = PassageLines.JSON.getFactory().createParser(in);
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_ARRAY) {
        parser.close();
        throw new BadRecordException(
            source,
            parser.currentLocation().getLineNr(),
            "expected a JSON array of objects (DPR format), found " + first);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  String source() {
    return source;
  }

  /**
   * The next element, or null after the last. An element that is not an object is a {@link
   * BadRecordException} that the caller may skip; broken JSON syntax ends the file with one.
   */
  Element next() {
    try {
      JsonToken t = parser.nextToken();
      if (t == null || t == JsonToken.END_ARRAY) return null;
      long line = parser.currentTokenLocation().getLineNr();
      int i = index++;
      JsonNode node = parser.readValueAsTree();
      if (!(node instanceof ObjectNode obj)) {
        throw new BadRecordException(source, line, "array element " + i + " is not a JSON object");
      }
      return new Element(i, line, obj);
    } catch (BadRecordException e) {
      throw e;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SyntaxError(source, e.getLocation() == null ? -1 : e.getLocation().getLineNr(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("error reading " + source, e);
    }
  }

  @Override
  public void close() {
    try {
      parser.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Broken JSON: the rest of the file cannot be read, so error policies do not skip it. */
  /**
   * The next element turned into a record by {@code parse}; a malformed element (or a record that
   * {@code parse} rejects) is reported to {@code policy} and skipped. Broken JSON syntax always
   * fails: nothing after it can be trusted. Null at the end of the array.
   */
  <T> T next(ErrorPolicy policy, java.util.function.Function<Element, T> parse) {
    while (true) {
      Element e;
      try {
        e = next();
      } catch (SyntaxError broken) {
        throw broken;
      } catch (BadRecordException bad) {
        policy.badRecord(bad);
        continue;
      }
      if (e == null) return null;
      try {
        return parse.apply(e);
      } catch (SyntaxError broken) {
        throw broken;
      } catch (BadRecordException bad) {
        policy.badRecord(bad);
      }
    }
  }

  static final class SyntaxError extends BadRecordException {
    SyntaxError(String source, long line, Exception cause) {
      super(source, line, "invalid JSON: " + PassageLines.firstLine(cause), cause);
    }
  }
}
