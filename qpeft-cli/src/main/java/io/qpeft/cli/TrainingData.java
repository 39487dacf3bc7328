package io.qpeft.cli;

import io.qpeft.data.Candidate;
import io.qpeft.data.DprTrainingReader;
import io.qpeft.data.DprTrainingRecord;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.PassageStore;
import io.qpeft.data.Qrels;
import io.qpeft.data.Query;
import io.qpeft.data.QueryReader;
import io.qpeft.data.RecordReader;
import io.qpeft.retrieval.Bm25Params;
import io.qpeft.retrieval.Bm25Retriever;
import io.qpeft.train.TrainingExample;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Training sets for {@code qpeft train}: DPR training JSON (streamed, bad records reported), or a
 * BEIR folder whose hard negatives are mined with BM25 from a {@code qpeft index} of its corpus.
 */
final class TrainingData {
  private TrainingData() {}

  /**
   * A BEIR folder ({@code corpus.jsonl}, {@code queries.jsonl}, {@code qrels/<split>.tsv}): every
   * query with a relevant passage (grade >= 1); its hard negatives are the top {@code mine} BM25
   * hits of {@code index} that the qrels do not judge relevant, best first.
   */
  static List<TrainingExample> readBeir(
      Path folder, String split, Path index, int mine, PrintWriter err) {
    Path qrelsFile = folder.resolve("qrels").resolve(split + ".tsv");
    if (!java.nio.file.Files.isRegularFile(qrelsFile)) {
      throw new IllegalArgumentException(
          "BEIR folder " + folder + " has no qrels/" + split + ".tsv (--split)");
    }
    if (index == null) {
      throw new IllegalArgumentException(
          "training on the BEIR folder "
              + folder
              + " needs --index, a qpeft index of its corpus, to mine hard negatives with BM25");
    }
    Qrels qrels = Qrels.read(qrelsFile);
    java.util.Map<String, Query> queries = QueryReader.readMap(folder);
    List<TrainingExample> out = new ArrayList<>();
    int missing = 0;
    try (PassageStore corpus = PassageStore.open(folder);
        Bm25Retriever bm25 = Bm25Retriever.open(index, Bm25Params.ANSERINI)) {
      for (String qid : qrels.qids()) {
        Query q = queries.get(qid);
        java.util.Map<String, Integer> judged = qrels.judgments(qid);
        List<Passage> positives = new ArrayList<>();
        for (java.util.Map.Entry<String, Integer> j : judged.entrySet()) {
          if (j.getValue() < 1) continue;
          Passage p = corpus.get(j.getKey());
          if (p != null) positives.add(p);
        }
        if (q == null || positives.isEmpty()) {
          missing++;
          continue;
        }
        List<Passage> hard = new ArrayList<>();
        for (Candidate c : bm25.search(q, mine + positives.size())) {
          Integer rel = judged.get(c.docid());
          if ((rel == null || rel < 1) && hard.size() < mine) hard.add(c.passage());
        }
        out.add(new TrainingExample(q, positives, hard));
      }
    } catch (Exception e) {
      if (e instanceof RuntimeException r) throw r;
      throw new IllegalStateException(e.getMessage(), e);
    }
    if (missing > 0) {
      err.println(
          "qpeft train: "
              + qrelsFile
              + ": "
              + missing
              + " queries skipped (no text in queries.jsonl or no relevant passage in the corpus)");
    }
    if (out.isEmpty())
      throw new IllegalArgumentException(qrelsFile + ": no query with a relevant passage");
    return out;
  }

  /**
   * Queries with at least one positive passage; hard negatives are {@code hard_negative_ctxs}, or
   * {@code negative_ctxs} when a query has none. Malformed records are reported with file and line
   * and skipped; queries without a positive (common in DPR files) are counted and skipped.
   */
  static List<TrainingExample> read(Path file, PrintWriter err) {
    List<TrainingExample> out = new ArrayList<>();
    int[] bad = {0};
    int noPositive = 0;
    try (RecordReader<DprTrainingRecord> r =
        DprTrainingReader.open(
            file,
            ErrorPolicy.skip(
                e -> {
                  bad[0]++;
                  err.println("qpeft train: skipped " + e.getMessage());
                }))) {
      while (r.hasNext()) {
        DprTrainingRecord rec = r.next();
        if (rec.positives().isEmpty()) {
          noPositive++;
          continue;
        }
        List<Passage> hard = rec.hardNegatives().isEmpty() ? rec.negatives() : rec.hardNegatives();
        out.add(new TrainingExample(rec.query(), rec.positives(), hard));
      }
    }
    if (noPositive > 0)
      err.println(
          "qpeft train: " + file + ": " + noPositive + " queries without positive_ctxs skipped");
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          file
              + ": no query has a positive_ctxs passage"
              + (bad[0] > 0 ? " (" + bad[0] + " malformed records skipped)" : ""));
    }
    return out;
  }
}
