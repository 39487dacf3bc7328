package io.qpeft.data;

import java.util.Objects;

/**
 * A retrievable passage. {@code title} is empty when the collection has none; {@code text} is the
 * body.
 */
public record Passage(String docid, String title, String text) {
  public Passage {
    Objects.requireNonNull(docid, "docid");
    title = title == null ? "" : title;
    text = text == null ? "" : text;
  }

  public Passage(String docid, String text) {
    this(docid, "", text);
  }
}
