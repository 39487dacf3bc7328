package io.qpeft.data;

/**
 * A malformed record in an input file. The message starts with {@code file:line:} so that a user
 * can jump to the bad record; {@link #source()} and {@link #line()} give the same information to
 * code.
 */
public class BadRecordException extends IllegalArgumentException {
  private final String source;
  private final long line;

  public BadRecordException(String source, long line, String problem) {
    this(source, line, problem, null);
  }

  public BadRecordException(String source, long line, String problem, Throwable cause) {
    super(source + ":" + line + ": " + problem, cause);
    this.source = source;
    this.line = line;
  }

  /** The file (or other named source) the record came from. */
  public String source() {
    return source;
  }

  /** The 1-based line where the record starts. */
  public long line() {
    return line;
  }
}
