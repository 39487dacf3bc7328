package io.qpeft.data;

import java.util.Objects;

/** One line of a TREC run: {@code qid Q0 docid rank score tag}. Ranks are 1-based. */
public record RunEntry(String qid, String docid, int rank, double score) {
  public RunEntry {
    Objects.requireNonNull(qid, "qid");
    Objects.requireNonNull(docid, "docid");
    if (qid.isBlank() || docid.isBlank()) {
      throw new IllegalArgumentException(
          "qid and docid must be non-blank, got '" + qid + "', '" + docid + "'");
    }
    if (Double.isNaN(score))
      throw new IllegalArgumentException("score of " + qid + "/" + docid + " is NaN");
  }
}
