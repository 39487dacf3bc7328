package io.qpeft.peft;

import java.util.Locale;

/** Which part of a passage that does not fit the token budget is kept. */
public enum Truncation {
  /** The passage's start (qpeft's default, as UPR): a description's first sentence says most. */
  START,
  /**
   * The passage's end, as the official Q-PEFT code's truncation does (it keeps the sequence's first
   * token and its end, so a long passage loses its beginning).
   */
  END;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Truncation parse(String s) {
    for (Truncation v : values()) if (v.id().equalsIgnoreCase(s)) return v;
    throw new IllegalArgumentException("unknown truncation '" + s + "'; allowed: start, end");
  }
}
