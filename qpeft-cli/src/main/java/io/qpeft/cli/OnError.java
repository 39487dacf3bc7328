package io.qpeft.cli;

/** What a command does with a malformed input record. */
enum OnError {
  /** Stop at the first bad record, naming file and line. */
  FAIL,
  /**
   * Report the bad record (on stderr, or in the output where lines must stay aligned) and go on.
   */
  SKIP
}
