package io.qpeft.spark;

import java.util.Objects;

/**
 * What the Spark job reranks: rerank-ready JSONL requests (with passage texts, as {@code qpeft
 * retrieve --jsonl} writes them), or a TREC run with a corpus and queries to join it with. Paths
 * are Hadoop paths or URIs: a file, a folder of files or a glob.
 *
 * @param format JSONL or TREC
 * @param path the requests or the run
 * @param corpus TREC: the passages (BEIR JSONL or folder, or Parquet); null for JSONL
 * @param queries TREC: the query texts (BEIR JSONL or folder, or Parquet); null for JSONL
 */
public record RerankInput(Format format, String path, String corpus, String queries) {
  /** The input formats. */
  public enum Format {
    JSONL,
    TREC
  }

  public RerankInput {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(path, "path");
    if (format == Format.TREC && (corpus == null || queries == null)) {
      throw new IllegalArgumentException(
          "a TREC run (" + path + ") needs --corpus for passage texts and --queries");
    }
    if (format == Format.JSONL && (corpus != null || queries != null)) {
      throw new IllegalArgumentException(
          "--corpus and --queries go with a TREC run; JSONL requests ("
              + path
              + ") must carry their passage texts in the Spark job");
    }
  }

  public static RerankInput jsonl(String requests) {
    return new RerankInput(Format.JSONL, requests, null, null);
  }

  public static RerankInput trec(String run, String corpus, String queries) {
    return new RerankInput(Format.TREC, run, corpus, queries);
  }
}
