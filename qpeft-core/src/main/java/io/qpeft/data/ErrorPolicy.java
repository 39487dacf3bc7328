package io.qpeft.data;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * What a reader does with a malformed record: {@link #FAIL} throws the {@link BadRecordException}
 * (the default everywhere), {@link #skip(Consumer)} hands it to a callback and goes on with the
 * next record. Syntax errors that make the rest of a file unreadable (a broken JSON array) always
 * fail.
 */
@FunctionalInterface
public interface ErrorPolicy {

  /** Called for each malformed record; throw to stop reading, return to skip the record. */
  void badRecord(BadRecordException problem);

  /** Stop at the first malformed record by throwing it. */
  ErrorPolicy FAIL =
      problem -> {
        throw problem;
      };

  /** Skip malformed records, reporting each one to {@code report} (e.g. a logger or a list). */
  static ErrorPolicy skip(Consumer<BadRecordException> report) {
    Objects.requireNonNull(report, "report");
    return report::accept;
  }
}
