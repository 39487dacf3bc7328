package io.qpeft.data;

import java.util.List;
import java.util.Objects;

/** A query with its first-stage candidates, in retrieval order. */
public record Candidates(Query query, List<Candidate> candidates) {
  public Candidates {
    Objects.requireNonNull(query, "query");
    candidates = List.copyOf(candidates);
  }

  public List<Passage> passages() {
    return candidates.stream().map(Candidate::passage).toList();
  }
}
