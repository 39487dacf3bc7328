package io.qpeft.data;

import java.util.List;
import java.util.Objects;

/**
 * One DPR training question ({@code biencoder-nq-train.json} and friends): the query, its answers,
 * gold passages ({@code positive_ctxs}), random negatives ({@code negative_ctxs}) and retriever
 * hard negatives ({@code hard_negative_ctxs}), each list in file order.
 */
public record DprTrainingRecord(
    Query query,
    List<String> answers,
    List<Passage> positives,
    List<Passage> negatives,
    List<Passage> hardNegatives) {
  public DprTrainingRecord {
    Objects.requireNonNull(query, "query");
    answers = List.copyOf(answers);
    positives = List.copyOf(positives);
    negatives = List.copyOf(negatives);
    hardNegatives = List.copyOf(hardNegatives);
  }
}
