package io.qpeft.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Relevance judgments: grade per (query, document). Reads TREC qrels ({@code qid iter docid rel},
 * whitespace-separated; MS MARCO's tab variant too) and BEIR qrels ({@code
 * query-id\tcorpus-id\tscore} with a header line). Negative grades (judged non-relevant) are kept:
 * trec_eval counts them as judged. A document judged twice keeps its last grade.
 */
public final class Qrels {
  private static final Set<String> HEADER_IDS = Set.of("query-id", "query_id", "qid", "query");
  private final Map<String, Map<String, Integer>> byQuery;

  public Qrels(Map<String, Map<String, Integer>> byQuery) {
    Map<String, Map<String, Integer>> copy = new LinkedHashMap<>();
    byQuery.forEach(
        (q, docs) -> copy.put(q, Collections.unmodifiableMap(new LinkedHashMap<>(docs))));
    this.byQuery = Collections.unmodifiableMap(copy);
  }

  /** Queries with at least one judgment, in file order. */
  public Set<String> qids() {
    return byQuery.keySet();
  }

  /** Judgments of one query (docid to grade); empty when the query has none. */
  public Map<String, Integer> judgments(String qid) {
    return byQuery.getOrDefault(qid, Map.of());
  }

  /** Number of documents of {@code qid} with grade at least {@code threshold}. */
  public int relevantCount(String qid, int threshold) {
    int n = 0;
    for (int rel : judgments(qid).values()) if (rel >= threshold) n++;
    return n;
  }

  public Map<String, Map<String, Integer>> asMap() {
    return byQuery;
  }

  /** Reads a qrels file; a BEIR folder means its {@code qrels/test.tsv}. */
  public static Qrels read(Path path) {
    Path file = path;
    if (Files.isDirectory(path)) file = path.resolve("qrels").resolve("test.tsv");
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("qrels file " + file + " does not exist");
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    try (TextFiles.Lines lines = new TextFiles.Lines(file)) {
      for (String line; (line = lines.next()) != null; ) {
        if (line.isBlank()) continue;
        String[] f = line.strip().split("\\s+");
        String qid;
        String docid;
        String rel;
        if (f.length == 4) {
          qid = f[0];
          docid = f[2];
          rel = f[3];
        } else if (f.length == 3) {
          qid = f[0];
          docid = f[1];
          rel = f[2];
        } else {
          throw lines.bad(
              "expected 'qid 0 docid rel' (TREC) or 'qid docid rel' (BEIR), got "
                  + f.length
                  + " fields");
        }
        int grade;
        try {
          grade = Integer.parseInt(rel);
        } catch (NumberFormatException e) {
          if (lines.lineNumber() == 1 && HEADER_IDS.contains(qid))
            continue; // BEIR "query-id corpus-id score"
          throw lines.bad("relevance '" + rel + "' is not an integer");
        }
        out.computeIfAbsent(qid, k -> new LinkedHashMap<>()).put(docid, grade);
      }
    }
    return new Qrels(out);
  }

  /** Writes TREC qrels ({@code qid 0 docid rel}) atomically. */
  public void write(Path file) {
    try (AtomicOutput out = new AtomicOutput(file)) {
      byQuery.forEach(
          (q, docs) -> docs.forEach((d, r) -> out.write(q + " 0 " + d + " " + r + "\n")));
      out.commit();
    }
  }
}
