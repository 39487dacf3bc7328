package io.qpeft.data;

import java.util.Objects;

/** A search query: its identifier and its text. */
public record Query(String qid, String text) {
  public Query {
    Objects.requireNonNull(qid, "qid");
    Objects.requireNonNull(text, "query text");
  }
}
