package io.qpeft.eval;

import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.RecordReader;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ranked lists per query, best first, as measures see them.
 *
 * <p>From a TREC run the order is trec_eval's, not the file's: score descending, ties broken by
 * docid descending (byte-wise string order), and the rank column is ignored. This is why two tools
 * can disagree on runs with tied scores; we agree with trec_eval. A docid retrieved twice for one
 * query is an error, as in trec_eval.
 */
public final class Rankings {
  private Rankings() {}

  /**
   * The rankings of one run: a TREC run file in trec_eval's order; DPR/UPR JSON, JSONL or a job's
   * output folder (part files) in list order. With {@code answers}, the passages of a JSON run are
   * judged as they are read, and its questions without registered answers are left out (not
   * judged).
   *
   * @param answers answer judgments (open-domain QA), or null for qrels
   * @param passages the collection for DPR runs whose ctxs have no text, or null
   */
  public static Map<String, List<String>> read(Path run, AnswerJudgments answers, Path passages) {
    if (isTrec(run)) return new LinkedHashMap<>(fromRun(TrecRun.read(run), run.toString()));
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (RecordReader<CandidatesRecord> in = records(run, passages)) {
      while (in.hasNext()) {
        CandidatesRecord rec = in.next();
        List<String> ranking =
            answers != null
                ? answers.judge(rec)
                : rec.candidates().passages().stream().map(p -> p.docid()).toList();
        if (ranking == null) continue; // a question without answers: not judged, ignored
        if (out.put(rec.query().qid(), ranking) != null) {
          throw new IllegalArgumentException(
              run + ": query " + rec.query().qid() + " appears twice");
        }
      }
    }
    return out;
  }

  /** Whether a run is a TREC run (format sniffing: JSON starts with '[' or '{'). */
  public static boolean isTrec(Path run) {
    return CandidatesSource.detectFormat(run) == CandidatesSource.Format.TREC;
  }

  /** The records of a JSON run or answers file, failing on the first malformed one. */
  static RecordReader<CandidatesRecord> records(Path file, Path passages) {
    return CandidatesReader.openRecords(
        CandidatesSource.detect(file, passages, null), ErrorPolicy.FAIL);
  }

  /** Orders the entries of each query the way trec_eval does. */
  public static Map<String, List<String>> fromRun(Map<String, List<RunEntry>> run, String runName) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Comparator<RunEntry> order =
        Comparator.comparingDouble(RunEntry::score)
            .reversed()
            .thenComparing(RunEntry::docid, Comparator.reverseOrder());
    run.forEach(
        (qid, entries) -> {
          List<RunEntry> sorted = new ArrayList<>(entries);
          sorted.sort(order);
          out.put(qid, checked(qid, sorted.stream().map(RunEntry::docid).toList(), runName));
        });
    return out;
  }

  /** Checks that no document appears twice in one query's ranking. */
  static List<String> checked(String qid, List<String> ranking, String runName) {
    Set<String> seen = new HashSet<>();
    for (String d : ranking) {
      if (!seen.add(d)) {
        throw new IllegalArgumentException(
            runName + ": document " + d + " is ranked twice for query " + qid);
      }
    }
    return ranking;
  }
}
