package io.qpeft.eval;

import io.qpeft.data.Candidate;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.RecordReader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Answer-string relevance (open-domain QA, as in DPR, UPR and Q-PEFT): a passage is relevant (grade
 * 1) when its text contains a gold answer by DPR's {@code has_answer}, else grade 0. Answers come
 * from a DPR JSON or JSONL file; judgments grow as runs add passages, so the judged set is the
 * union of all passages seen. Relevance is recomputed from the text, never taken from a {@code
 * has_answer} field.
 */
public final class AnswerJudgments {
  private final AnswerMatcher matcher;
  private final Map<String, Predicate<String>> tests = new LinkedHashMap<>();
  private final Map<String, Map<String, Integer>> judgments = new LinkedHashMap<>();

  public AnswerJudgments(AnswerMatcher matcher) {
    this.matcher = matcher;
  }

  /**
   * Registers the answers of every question of a DPR JSON or JSONL file with {@code "answers"}.
   *
   * @param passages the collection for DPR files whose ctxs have no text, or null
   */
  public void addAnswers(Path file, Path passages) {
    if (Rankings.isTrec(file)) {
      throw new IllegalArgumentException(
          "--answers " + file + " must be DPR JSON or JSONL with \"answers\"");
    }
    try (RecordReader<CandidatesRecord> in = Rankings.records(file, passages)) {
      in.forEachRemaining(this::addAnswers);
    }
  }

  /** Registers a question's answers (first registration wins) and judges its passages. */
  public void addAnswers(CandidatesRecord record) {
    String qid = record.query().qid();
    if (!tests.containsKey(qid)) {
      tests.put(qid, matcher.forAnswers(record.answers()));
      judgments.put(qid, new LinkedHashMap<>());
    }
    judge(record);
  }

  /**
   * Judges the passages of a run's record against its question's registered answers and returns its
   * ranking (candidate order); returns null when the question has no registered answers.
   */
  public List<String> judge(CandidatesRecord record) {
    String qid = record.query().qid();
    Predicate<String> test = tests.get(qid);
    if (test == null) return null;
    Map<String, Integer> j = judgments.get(qid);
    for (Candidate c : record.candidates().candidates()) {
      j.computeIfAbsent(c.docid(), d -> test.test(c.passage().text()) ? 1 : 0);
    }
    return record.candidates().candidates().stream().map(Candidate::docid).toList();
  }

  /** Judgments per question, in the order the answers were registered. */
  public Map<String, Map<String, Integer>> judgments() {
    return judgments;
  }
}
