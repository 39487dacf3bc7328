package io.qpeft.train;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import java.util.List;
import java.util.Objects;

/**
 * A training query with its relevant passages and hard negatives (e.g. BM25 top hits that are not
 * relevant).
 */
public record TrainingExample(Query query, List<Passage> positives, List<Passage> hardNegatives) {
  public TrainingExample {
    Objects.requireNonNull(query, "query");
    positives = List.copyOf(positives);
    hardNegatives = hardNegatives == null ? List.of() : List.copyOf(hardNegatives);
    if (positives.isEmpty()) {
      throw new IllegalArgumentException(
          "training query " + query.qid() + " has no positive passage");
    }
  }
}
