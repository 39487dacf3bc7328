package io.qpeft.data;

import java.util.Objects;

/** A passage retrieved for a query, with the score the first-stage retriever gave it. */
public record Candidate(Passage passage, double score) {
  public Candidate {
    Objects.requireNonNull(passage, "passage");
  }

  public String docid() {
    return passage.docid();
  }
}
