package io.qpeft.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Candidates} record together with what its source file said beyond it: the gold answers
 * (DPR files, JSONL with an {@code answers} field; empty otherwise), the original JSON object (so
 * that writers can keep every field of the input; null for TREC input), and the line it started on.
 * For DPR input, candidate {@code i} is element {@code i} of the source's {@code ctxs} array.
 */
public record CandidatesRecord(
    Candidates candidates, List<String> answers, ObjectNode source, long line) {
  public CandidatesRecord {
    Objects.requireNonNull(candidates, "candidates");
    answers = answers == null ? List.of() : List.copyOf(answers);
  }

  /** A record with no source JSON and no answers, for writing candidates built in code. */
  public static CandidatesRecord of(Candidates candidates) {
    return new CandidatesRecord(candidates, List.of(), null, 0);
  }

  public Query query() {
    return candidates.query();
  }
}
