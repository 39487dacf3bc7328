package io.qpeft.bench;

import io.qpeft.data.AtomicOutput;
import io.qpeft.data.Candidate;
import io.qpeft.data.CorpusReader;
import io.qpeft.data.Passage;
import io.qpeft.data.Qrels;
import io.qpeft.data.Query;
import io.qpeft.data.QueryReader;
import io.qpeft.data.RecordReader;
import io.qpeft.retrieval.Bm25Params;
import io.qpeft.retrieval.Bm25Retriever;
import io.qpeft.retrieval.LuceneIndexer;
import io.qpeft.train.TrainingExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real-text task of {@code ../shared/realtext} (a BEIR folder: Debian package descriptions,
 * their one-line summaries as queries, one relevant passage per query): the corpus in memory, a
 * BM25 index and the BM25 candidate lists, both cached under a folder so that reruns skip them.
 */
final class RealTextData implements AutoCloseable {
  /** A dev query, its BM25 candidates best first, and its relevant docids. */
  record Ranked(Query query, List<Candidate> candidates, Map<String, Integer> judgments) {}

  private final Path folder;
  private final Path cache;
  private final Map<String, Passage> corpus;
  private final Map<String, Query> queries;
  private final Bm25Retriever bm25;

  private RealTextData(
      Path folder,
      Path cache,
      Map<String, Passage> corpus,
      Map<String, Query> queries,
      Bm25Retriever bm25) {
    this.folder = folder;
    this.cache = cache;
    this.corpus = corpus;
    this.queries = queries;
    this.bm25 = bm25;
  }

  /** Loads the corpus and queries; builds the BM25 index under {@code cache} once. */
  static RealTextData open(Path folder, Path cache, java.io.PrintWriter log) {
    for (String f : new String[] {"corpus.jsonl", "queries.jsonl", "qrels/train.tsv"}) {
      if (!Files.isRegularFile(folder.resolve(f))) {
        throw new IllegalArgumentException(
            "--data " + folder + " has no " + f + " (expected the realtext BEIR folder)");
      }
    }
    Map<String, Passage> corpus = new HashMap<>();
    try (RecordReader<Passage> r = CorpusReader.open(folder)) {
      while (r.hasNext()) {
        Passage p = r.next();
        corpus.put(p.docid(), p);
      }
    }
    Path index = cache.resolve("bm25-index");
    Path done = cache.resolve("bm25-index.done"); // written once the index is complete
    if (!Files.isRegularFile(done)) {
      long t = System.nanoTime();
      try (RecordReader<Passage> r = CorpusReader.open(folder)) {
        LuceneIndexer.builder().setIndexDir(index).build().index(r);
        Files.writeString(done, folder.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot index " + folder + " into " + index, e);
      }
      log.printf("indexed %d passages in %.0f s%n", corpus.size(), (System.nanoTime() - t) / 1e9);
    }
    return new RealTextData(
        folder,
        cache,
        corpus,
        QueryReader.readMap(folder),
        Bm25Retriever.open(index, Bm25Params.ANSERINI));
  }

  /** The qids of {@code qrels/<split>.tsv} in file order, from {@code from}, at most {@code n}. */
  List<String> qids(String split, int from, int n) {
    List<String> all = new ArrayList<>();
    try {
      for (String line :
          Files.readAllLines(
              folder.resolve("qrels").resolve(split + ".tsv"), StandardCharsets.UTF_8)) {
        String qid = line.split("\t")[0];
        if (qid.equals("query-id") || all.contains(qid)) continue;
        all.add(qid);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (from + n > all.size()) {
      throw new IllegalArgumentException(
          "qrels/" + split + ".tsv has " + all.size() + " queries; asked for " + (from + n));
    }
    return all.subList(from, from + n);
  }

  Qrels qrels(String split) {
    return Qrels.read(folder.resolve("qrels").resolve(split + ".tsv"));
  }

  /** The BM25 top {@code depth} of each query (cached as {@code qid docid score} lines). */
  Map<String, List<Candidate>> candidates(String split, List<String> qids, int depth) {
    Path file =
        cache.resolve(
            "bm25-"
                + split
                + "-"
                + qids.size()
                + "-"
                + Integer.toHexString(qids.hashCode())
                + "-"
                + depth
                + ".tsv");
    Map<String, List<Candidate>> out = new LinkedHashMap<>();
    if (Files.isRegularFile(file)) {
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] f = line.split("\t");
          out.computeIfAbsent(f[0], k -> new ArrayList<>())
              .add(new Candidate(passage(f[1]), Double.parseDouble(f[2])));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String q : qids) out.putIfAbsent(q, List.of());
      return out;
    }
    StringBuilder sb = new StringBuilder();
    for (String qid : qids) {
      List<Candidate> hits = bm25.search(query(qid), depth);
      out.put(qid, hits);
      for (Candidate c : hits)
        sb.append(qid).append('\t').append(c.docid()).append('\t').append(c.score()).append('\n');
    }
    try (AtomicOutput o = new AtomicOutput(file)) {
      o.write(sb.toString());
      o.commit();
    }
    return out;
  }

  /**
   * Training (or validation) examples: each query's relevant passages and, as hard negatives, its
   * top {@code mine} BM25 hits that are not relevant, best first.
   */
  List<TrainingExample> examples(String split, List<String> qids, int mine) {
    Qrels qrels = qrels(split);
    Map<String, List<Candidate>> hits = candidates(split, qids, mine + 1);
    List<TrainingExample> out = new ArrayList<>();
    for (String qid : qids) {
      Map<String, Integer> judged = qrels.judgments(qid);
      List<Passage> positives = new ArrayList<>();
      for (Map.Entry<String, Integer> j : judged.entrySet())
        if (j.getValue() >= 1) positives.add(passage(j.getKey()));
      List<Passage> hard = new ArrayList<>();
      for (Candidate c : hits.get(qid)) {
        Integer rel = judged.get(c.docid());
        if ((rel == null || rel < 1) && hard.size() < mine) hard.add(c.passage());
      }
      out.add(new TrainingExample(query(qid), positives, hard));
    }
    return out;
  }

  /** The dev queries with their BM25 top {@code depth} and judgments. */
  List<Ranked> ranked(String split, List<String> qids, int depth) {
    Qrels qrels = qrels(split);
    Map<String, List<Candidate>> hits = candidates(split, qids, depth);
    List<Ranked> out = new ArrayList<>();
    for (String qid : qids) out.add(new Ranked(query(qid), hits.get(qid), qrels.judgments(qid)));
    return out;
  }

  Query query(String qid) {
    Query q = queries.get(qid);
    if (q == null) throw new IllegalArgumentException("queries.jsonl has no query " + qid);
    return q;
  }

  Passage passage(String docid) {
    Passage p = corpus.get(docid);
    if (p == null) throw new IllegalArgumentException("corpus.jsonl has no passage " + docid);
    return p;
  }

  @Override
  public void close() {
    bm25.close();
  }
}
