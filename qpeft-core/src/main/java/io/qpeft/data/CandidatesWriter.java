package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.BiPredicate;

/**
 * Writes reranked candidates, one query at a time, to a temporary file that {@link #commit()} moves
 * atomically onto the target; {@link #close()} without a commit discards it. Candidates are written
 * by descending new score, ties in input order. Formats:
 *
 * <ul>
 *   <li>{@link Format#TREC}: {@code qid Q0 docid rank score tag};
 *   <li>{@link Format#JSONL}: the request shape plus {@code rerank_score} on every candidate; a
 *       JSONL input's own fields are kept;
 *   <li>{@link Format#DPR}: a DPR JSON array with {@code ctxs} reordered; every field of the input
 *       element and of each ctx is kept and {@code rerank_score} is added.
 * </ul>
 */
public final class CandidatesWriter implements AutoCloseable {
  /** Output formats. */
  public enum Format {
    TREC,
    JSONL,
    DPR;

    /** From the file name: {@code .jsonl} is JSONL, {@code .json} DPR, anything else TREC. */
    public static Format of(Path file) {
      String name = TextFiles.baseName(file);
      if (name.endsWith(".jsonl")) return JSONL;
      if (name.endsWith(".json")) return DPR;
      return TREC;
    }

    public static Format parse(String name) {
      try {
        return valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown output format '" + name + "', expected trec, jsonl or dpr");
      }
    }
  }

  public static final String RERANK_SCORE = "rerank_score";

  private final Format format;
  private final String tag;
  private final AtomicOutput out;
  private boolean first = true;
  private BiPredicate<List<String>, String> hasAnswer;

  private CandidatesWriter(Path target, Format format, String tag) {
    this.format = format;
    this.tag = tag;
    this.out = new AtomicOutput(target);
    if (format == Format.DPR) out.write("[\n");
  }

  /** Opens {@code target}; {@code tag} is the TREC run tag (ignored by the JSON formats). */
  public static CandidatesWriter open(Path target, Format format, String tag) {
    if (format == Format.TREC) TrecRun.checkTag(tag);
    return new CandidatesWriter(target, format, tag);
  }

  /**
   * DPR JSON written from non-DPR input gets {@code has_answer} on every ctx from this check of the
   * answers against the passage text (e.g. {@code io.qpeft.eval.AnswerMatcher.STRING::hasAnswer},
   * DPR's own rule); without it, such ctxs have no {@code has_answer}. DPR input keeps its ctxs'
   * fields as they are.
   */
  public CandidatesWriter optHasAnswer(BiPredicate<List<String>, String> hasAnswer) {
    this.hasAnswer = hasAnswer;
    return this;
  }

  /** Writes one query; {@code scores[i]} is the new score of candidate {@code i} of the input. */
  public void write(CandidatesRecord input, double[] scores) {
    if (format == Format.DPR) {
      List<Integer> order = order(input, scores);
      out.write(first ? "" : ",\n");
      out.write(json(dpr(input, scores, order, hasAnswer)));
    } else {
      out.write(render(input, scores, format, tag));
    }
    first = false;
  }

  /**
   * The text of one query in a line format ({@link Format#TREC} or {@link Format#JSONL}), ending
   * with a newline: what {@link #write} appends for it. For writers that own their files (the Spark
   * job's part files).
   */
  public static String render(CandidatesRecord input, double[] scores, Format format, String tag) {
    List<Integer> order = order(input, scores);
    List<Candidate> cands = input.candidates().candidates();
    return switch (format) {
      case TREC -> {
        TrecRun.checkTag(tag);
        StringBuilder sb = new StringBuilder();
        int rank = 1;
        for (int i : order) {
          sb.append(
              TrecRun.format(
                  new RunEntry(input.query().qid(), cands.get(i).docid(), rank++, scores[i]), tag));
        }
        yield sb.toString();
      }
      case JSONL -> json(jsonl(input, scores, order)) + "\n";
      case DPR ->
          throw new UnsupportedOperationException(
              "DPR JSON is one array, not lines; line formats: trec, jsonl");
    };
  }

  /** Candidate indexes by descending score, ties in input order; checks one score each. */
  private static List<Integer> order(CandidatesRecord input, double[] scores) {
    List<Candidate> cands = input.candidates().candidates();
    if (scores.length != cands.size()) {
      throw new IllegalArgumentException(
          "got "
              + scores.length
              + " scores for "
              + cands.size()
              + " candidates of query "
              + input.query().qid());
    }
    List<Integer> order = new ArrayList<>(cands.size());
    for (int i = 0; i < scores.length; i++) order.add(i);
    order.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed()); // stable
    return order;
  }

  private static String json(ObjectNode node) {
    try {
      return PassageLines.JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise JSON", e);
    }
  }

  /** Writes candidates in their given order, scoring them by position (n, n-1, ..., 1). */
  public void write(CandidatesRecord input) {
    int n = input.candidates().candidates().size();
    double[] scores = new double[n];
    for (int i = 0; i < n; i++) scores[i] = n - i;
    write(input, scores);
  }

  private static ObjectNode jsonl(CandidatesRecord input, double[] scores, List<Integer> order) {
    List<Candidate> cands = input.candidates().candidates();
    boolean fromJsonl =
        input.source() != null && input.source().get("candidates") instanceof ArrayNode;
    ObjectNode root = fromJsonl ? input.source().deepCopy() : PassageLines.JSON.createObjectNode();
    if (!fromJsonl) {
      ObjectNode q = root.putObject("query");
      q.put("qid", input.query().qid());
      q.put("text", input.query().text());
      if (!input.answers().isEmpty()) {
        ArrayNode a = root.putArray("answers");
        input.answers().forEach(a::add);
      }
    }
    ArrayNode outCands = PassageLines.JSON.createArrayNode();
    for (int i : order) {
      ObjectNode c;
      if (fromJsonl) {
        c = ((ObjectNode) input.source().get("candidates").get(i)).deepCopy();
      } else {
        Candidate cand = cands.get(i);
        c = PassageLines.JSON.createObjectNode();
        c.put("docid", cand.docid());
        c.put("score", cand.score());
        ObjectNode doc = c.putObject("doc");
        doc.put("title", cand.passage().title());
        doc.put("text", cand.passage().text());
      }
      c.put(RERANK_SCORE, scores[i]);
      outCands.add(c);
    }
    root.set("candidates", outCands);
    return root;
  }

  private static ObjectNode dpr(
      CandidatesRecord input,
      double[] scores,
      List<Integer> order,
      BiPredicate<List<String>, String> hasAnswer) {
    List<Candidate> cands = input.candidates().candidates();
    JsonNode srcCtxs =
        input.source() == null
            ? null
            : input.source().has("ctxs")
                ? input.source().get("ctxs")
                : input.source().get("contexts");
    boolean fromDpr = srcCtxs instanceof ArrayNode;
    ObjectNode root = fromDpr ? input.source().deepCopy() : PassageLines.JSON.createObjectNode();
    if (!fromDpr) {
      root.put("qid", input.query().qid());
      root.put("question", input.query().text());
      ArrayNode a = root.putArray("answers");
      input.answers().forEach(a::add);
    }
    ArrayNode ctxs = PassageLines.JSON.createArrayNode();
    for (int i : order) {
      ObjectNode c;
      if (fromDpr) {
        c = ((ObjectNode) srcCtxs.get(i)).deepCopy();
      } else {
        Passage p = cands.get(i).passage();
        c = PassageLines.JSON.createObjectNode();
        c.put("id", p.docid());
        c.put("title", p.title());
        c.put("text", p.text());
        c.put("score", cands.get(i).score());
        if (!input.answers().isEmpty() && hasAnswer != null)
          c.put("has_answer", hasAnswer.test(input.answers(), p.text()));
      }
      c.put(RERANK_SCORE, scores[i]);
      ctxs.add(c);
    }
    root.remove("contexts");
    root.set("ctxs", ctxs);
    return root;
  }

  /** Finishes the file and moves it onto the target. */
  public void commit() {
    if (format == Format.DPR) out.write(first ? "]\n" : "\n]\n");
    out.commit();
  }

  /** Discards the output unless it was committed. */
  @Override
  public void close() {
    out.close();
  }
}
