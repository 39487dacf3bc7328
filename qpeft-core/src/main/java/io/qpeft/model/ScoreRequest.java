package io.qpeft.model;

import java.util.List;
import java.util.Objects;

/**
 * One sequence to score: {@code prompt ++ target}, with optional soft vectors spliced into the
 * prompt. The log-likelihood of every target token given everything before it is computed.
 *
 * @param promptIds token ids of the prompt (conditioning part), may be empty if soft segments exist
 * @param targetIds token ids whose log-probabilities are wanted, at least one
 * @param softSegments blocks of input embeddings inserted into the prompt (see {@link SoftSegment})
 */
public record ScoreRequest(int[] promptIds, int[] targetIds, List<SoftSegment> softSegments) {
  public ScoreRequest {
    Objects.requireNonNull(promptIds, "promptIds");
    Objects.requireNonNull(targetIds, "targetIds");
    if (targetIds.length == 0) throw new IllegalArgumentException("targetIds must not be empty");
    softSegments = softSegments == null ? List.of() : List.copyOf(softSegments);
    int last = 0;
    for (SoftSegment s : softSegments) {
      if (s.position() < last || s.position() > promptIds.length) {
        throw new IllegalArgumentException(
            "soft segment position "
                + s.position()
                + " must be non-decreasing and within [0, "
                + promptIds.length
                + "]");
      }
      last = s.position();
    }
    if (promptIds.length == 0 && softSegments.isEmpty()) {
      throw new IllegalArgumentException("the prompt must have at least one token or soft vector");
    }
  }

  public ScoreRequest(int[] promptIds, int[] targetIds) {
    this(promptIds, targetIds, List.of());
  }

  /** Number of soft vectors over all segments. */
  public int softLength() {
    return softSegments.stream().mapToInt(SoftSegment::length).sum();
  }

  /** Total sequence length fed to the model. */
  public int length() {
    return promptIds.length + softLength() + targetIds.length;
  }
}
