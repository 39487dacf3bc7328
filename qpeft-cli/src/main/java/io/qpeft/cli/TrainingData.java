package io.qpeft.cli;

import io.qpeft.data.DprTrainingReader;
import io.qpeft.data.DprTrainingRecord;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.RecordReader;
import io.qpeft.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Training sets for {@code qpeft train}: DPR training JSON, streamed, with bad records reported. */
final class TrainingData {
  private TrainingData() {}

  /**
   * Queries with at least one positive passage; hard negatives are {@code hard_negative_ctxs}, or
   * {@code negative_ctxs} when a query has none. Malformed records are reported with file and line
   * and skipped; queries without a positive (common in DPR files) are counted and skipped.
   */
  static List<TrainingExample> read(Path file, PrintWriter err) {
    List<TrainingExample> out = new ArrayList<>();
    int[] bad = {0};
    int noPositive = 0;
    try (RecordReader<DprTrainingRecord> r = DprTrainingReader.open(file, ErrorPolicy.skip(e -> {
      bad[0]++;
      err.println("qpeft train: skipped " + e.getMessage());
    }))) {
      while (r.hasNext()) {
        DprTrainingRecord rec = r.next();
        if (rec.positives().isEmpty()) {
          noPositive++;
          continue;
        }
        List<io.qpeft.data.Passage> hard = rec.hardNegatives().isEmpty() ? rec.negatives() : rec.hardNegatives();
        out.add(new TrainingExample(rec.query(), rec.positives(), hard));
      }
    }
    if (noPositive > 0) err.println("qpeft train: " + file + ": " + noPositive + " queries without positive_ctxs skipped");
    if (out.isEmpty()) {
      throw new IllegalArgumentException(file + ": no query has a positive_ctxs passage"
          + (bad[0] > 0 ? " (" + bad[0] + " malformed records skipped)" : ""));
    }
    return out;
  }
}
