package io.qpeft.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where rerank candidates come from. Build one with {@link #jsonl}, {@link #dpr}, {@link #trec} or
 * {@link #detect}; {@link #withDepth} keeps only the first candidates of each query.
 *
 * @param format the input format
 * @param input the JSONL requests, DPR JSON or TREC run
 * @param collection passages by id (TSV, JSONL, BEIR folder): required for TREC runs, used for DPR
 *     ctxs and JSONL candidates that carry no text; may be null otherwise
 * @param queries query texts for TREC runs (BEIR queries.jsonl, TSV); null for the other formats
 * @param depth keep at most this many candidates per query; 0 keeps all
 */
public record CandidatesSource(
    Format format, Path input, Path collection, Path queries, int depth) {

  /** The supported candidate formats. */
  public enum Format {
    /** {@code {"query":{"qid","text"},"candidates":[{"docid","score","doc"}]}} per line. */
    JSONL,
    /** DPR/UPR retriever output {@code [{question, answers, ctxs:[{id, title, text, score}]}]}. */
    DPR,
    /** TREC run {@code qid Q0 docid rank score tag} plus a collection and a query file. */
    TREC
  }

  public CandidatesSource {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(input, "input");
    if (depth < 0) throw new IllegalArgumentException("depth must be >= 0 (0 = all), got " + depth);
    if (format == Format.TREC && (collection == null || queries == null)) {
      throw new IllegalArgumentException(
          "a TREC run (" + input + ") needs a collection for passage texts and a query file");
    }
  }

  public static CandidatesSource jsonl(Path requests) {
    return new CandidatesSource(Format.JSONL, requests, null, null, 0);
  }

  /** DPR JSON; {@code passages} (DPR TSV) may be null when every ctx has its text. */
  public static CandidatesSource dpr(Path retrieverJson, Path passages) {
    return new CandidatesSource(Format.DPR, retrieverJson, passages, null, 0);
  }

  public static CandidatesSource trec(Path run, Path collection, Path queries) {
    return new CandidatesSource(Format.TREC, run, collection, queries, 0);
  }

  /**
   * Picks the format from the input: a JSON array is DPR, JSON lines are JSONL requests, anything
   * else is a TREC run (which then needs {@code collection} and {@code queries}). The input may be
   * a file or a job's output folder ({@link PartFiles}: part files + {@code _SUCCESS}).
   */
  public static CandidatesSource detect(Path input, Path collection, Path queries) {
    Format format = detectFormat(input);
    return new CandidatesSource(
        format, input, collection, format == Format.TREC ? queries : null, 0);
  }

  /**
   * The format of a candidates file or output folder, from its first character (see {@link
   * #detect}).
   */
  public static Format detectFormat(Path input) {
    if (!Files.isRegularFile(input) && !PartFiles.isOutputFolder(input)) {
      throw new IllegalArgumentException(
          "candidates file " + input + " does not exist (or is a folder without part files)");
    }
    int first = TextFiles.firstChar(input);
    return first == '[' ? Format.DPR : first == '{' ? Format.JSONL : Format.TREC;
  }

  public CandidatesSource withDepth(int depth) {
    return new CandidatesSource(format, input, collection, queries, depth);
  }
}
