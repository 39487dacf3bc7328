package io.qpeft.peft;

import java.util.Locale;

/** Which prompt tokens Q-PEFT-R selects hints from and Q-PEFT-A attends to. */
public enum HintSource {
  /** The passage's tokens only (qpeft's default): hints are about the passage. */
  PASSAGE,
  /**
   * The whole prompt except the query and special tokens, i.e. also the template words ({@code
   * Passage:}, {@code Question:}), as the official Q-PEFT code does.
   */
  PROMPT;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static HintSource parse(String s) {
    for (HintSource v : values()) if (v.id().equalsIgnoreCase(s)) return v;
    throw new IllegalArgumentException("unknown hint source '" + s + "'; allowed: passage, prompt");
  }
}
