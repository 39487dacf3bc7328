package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Streams rerank inputs as one {@link Candidates} per query, in file order, reading one query at a
 * time: DPR JSON through Jackson's streaming parser, passage texts by random access (see {@link
 * PassageStore}). Malformed records go to the {@link ErrorPolicy}: {@link ErrorPolicy#FAIL} stops
 * with a {@link BadRecordException} naming file and line, {@link ErrorPolicy#skip} reports and goes
 * on.
 *
 * <pre>{@code
 * try (RecordReader<Candidates> in = CandidatesReader.open(CandidatesSource.dpr(json, tsv), FAIL)) {
 *   while (in.hasNext()) rerank(in.next());
 * }
 * }</pre>
 */
public final class CandidatesReader {
  private CandidatesReader() {}

  public static RecordReader<Candidates> open(CandidatesSource source, ErrorPolicy policy) {
    return openRecords(source, policy).map(CandidatesRecord::candidates);
  }

  /**
   * Like {@link #open} but keeps answers and source JSON, for writers that preserve input fields.
   */
  public static RecordReader<CandidatesRecord> openRecords(
      CandidatesSource source, ErrorPolicy policy) {
    PassageStore store =
        source.collection() == null ? null : PassageStore.open(source.collection());
    try {
      return switch (source.format()) {
        case JSONL -> new JsonlCandidates(source, store, policy);
        case DPR -> new DprCandidates(source, store, policy);
        case TREC -> new TrecCandidates(source, store, policy);
      };
    } catch (RuntimeException e) {
      if (store != null) store.close();
      throw e;
    }
  }

  /** JSONL requests, one query per line. */
  private static final class JsonlCandidates extends RecordReader.Lazy<CandidatesRecord> {
    private final CandidatesSource source;
    private final PassageStore store;
    private final ErrorPolicy policy;
    private final TextFiles.Lines lines;
    private int index;

    JsonlCandidates(CandidatesSource source, PassageStore store, ErrorPolicy policy) {
      this.source = source;
      this.store = store;
      this.policy = policy;
      this.lines = TextFiles.Lines.fileOrParts(source.input());
    }

    @Override
    protected CandidatesRecord read() {
      for (String line; (line = lines.next()) != null; ) {
        if (line.isBlank()) continue;
        int i = index++;
        try {
          return parse(line, i);
        } catch (BadRecordException e) {
          policy.badRecord(e);
        }
      }
      return null;
    }

    private CandidatesRecord parse(String line, int i) {
      return JsonlRequest.parse(line, i, source.depth(), store, lines.source, lines.lineNumber());
    }

    @Override
    public void close() {
      try {
        lines.close();
      } finally {
        if (store != null) store.close();
      }
    }
  }

  /** DPR/UPR retriever JSON, streamed one array element at a time. */
  private static final class DprCandidates extends RecordReader.Lazy<CandidatesRecord> {
    private final CandidatesSource source;
    private final PassageStore store;
    private final ErrorPolicy policy;
    private final JsonArrayReader array;

    DprCandidates(CandidatesSource source, PassageStore store, ErrorPolicy policy) {
      this.source = source;
      this.store = store;
      this.policy = policy;
      this.array = new JsonArrayReader(source.input());
    }

    @Override
    protected CandidatesRecord read() {
      return array.next(policy, this::parse);
    }

    private CandidatesRecord parse(JsonArrayReader.Element e) {
      String src = array.source();
      Query query = QueryReader.dprQuery(e, src);
      JsonNode ctxs = e.node().has("ctxs") ? e.node().get("ctxs") : e.node().get("contexts");
      if (ctxs == null || !ctxs.isArray()) {
        throw new BadRecordException(
            src, e.line(), "question " + query.qid() + " has no \"ctxs\" array");
      }
      List<Candidate> out = new ArrayList<>();
      for (int c = 0; c < ctxs.size() && (source.depth() == 0 || c < source.depth()); c++) {
        out.add(ctx(ctxs.get(c), c, query.qid(), e.line()));
      }
      return new CandidatesRecord(
          new Candidates(query, out), answers(e.node(), query), e.node(), e.line());
    }

    private Candidate ctx(JsonNode ctx, int position, String qid, long line) {
      String src = array.source();
      if (ctx == null || !ctx.isObject()) {
        throw new BadRecordException(
            src, line, "ctx " + position + " of question " + qid + " is not an object");
      }
      String id = PassageLines.firstText(ctx, List.of("id", "docid", "passage_id", "_id", "pid"));
      if (id == null) {
        throw new BadRecordException(
            src, line, "ctx " + position + " of question " + qid + " has no \"id\"");
      }
      double score = score(ctx.get("score"), src, line, id);
      String text = PassageLines.firstText(ctx, PassageLines.TEXT_FIELDS);
      Passage p;
      if (text != null) {
        p = new Passage(id, PassageLines.firstText(ctx, List.of("title")), text);
      } else {
        p = fromStore(store, id, src, line);
        String title = PassageLines.firstText(ctx, List.of("title"));
        if (title != null && p.title().isEmpty()) p = new Passage(p.docid(), title, p.text());
        if (!p.docid().equals(id)) p = new Passage(id, p.title(), p.text()); // keep "wiki:123"
      }
      return new Candidate(p, score);
    }

    @Override
    public void close() {
      try {
        array.close();
      } finally {
        if (store != null) store.close();
      }
    }
  }

  /**
   * A TREC run joined with queries and a collection. Lines of one query must be consecutive (as
   * every retrieval tool writes them); within a query candidates are ordered by score, descending,
   * ties in file order.
   */
  private static final class TrecCandidates extends RecordReader.Lazy<CandidatesRecord> {
    private final CandidatesSource source;
    private final PassageStore store;
    private final ErrorPolicy policy;
    private final TextFiles.Lines lines;
    private final Map<String, Query> queries;
    private final Set<String> done = new HashSet<>();
    private RunEntry pending;
    private long pendingLine;

    TrecCandidates(CandidatesSource source, PassageStore store, ErrorPolicy policy) {
      this.source = source;
      this.store = store;
      this.policy = policy;
      this.queries = QueryReader.readMap(source.queries());
      this.lines = TextFiles.Lines.fileOrParts(source.input());
    }

    @Override
    protected CandidatesRecord read() {
      while (true) {
        if (pending == null && !advance()) return null;
        String qid = pending.qid();
        long firstLine = pendingLine;
        List<RunEntry> group = new ArrayList<>();
        while (pending != null && pending.qid().equals(qid)) {
          group.add(pending);
          pending = null;
          advance();
        }
        if (!done.add(qid)) {
          throw new BadRecordException(
              lines.source,
              firstLine,
              "lines of query "
                  + qid
                  + " are not consecutive; sort the run by query first"
                  + " (sort -s -k1,1)");
        }
        try {
          return join(qid, group, firstLine);
        } catch (BadRecordException e) {
          policy.badRecord(e);
        }
      }
    }

    /** Reads the next valid run line into {@code pending}; false at the end of the file. */
    private boolean advance() {
      for (String line; (line = lines.next()) != null; ) {
        if (line.isBlank()) continue;
        try {
          pending = TrecRun.parse(line, lines);
          pendingLine = lines.lineNumber();
          return true;
        } catch (BadRecordException e) {
          policy.badRecord(e);
        }
      }
      return false;
    }

    private CandidatesRecord join(String qid, List<RunEntry> group, long line) {
      Query query = queries.get(qid);
      if (query == null) {
        throw new BadRecordException(
            lines.source, line, "query " + qid + " is not in " + source.queries());
      }
      List<RunEntry> sorted = new ArrayList<>(group);
      sorted.sort(Comparator.comparingDouble(RunEntry::score).reversed());
      int n = source.depth() == 0 ? sorted.size() : Math.min(source.depth(), sorted.size());
      List<Candidate> out = new ArrayList<>(n);
      for (RunEntry e : sorted.subList(0, n)) {
        out.add(new Candidate(fromStore(store, e.docid(), lines.source, line), e.score()));
      }
      return new CandidatesRecord(new Candidates(query, out), List.of(), null, line);
    }

    @Override
    public void close() {
      try {
        lines.close();
      } finally {
        store.close();
      }
    }
  }

  static double score(JsonNode v, String source, long line, String docid) {
    if (v == null || v.isNull()) return 0.0;
    if (v.isNumber()) return v.asDouble();
    try {
      return Double.parseDouble(v.asText().strip()); // DPR writes scores as strings
    } catch (NumberFormatException e) {
      throw new BadRecordException(
          source, line, "score '" + v.asText() + "' of " + docid + " is not a number");
    }
  }

  static List<String> answers(JsonNode obj, Query query) {
    JsonNode a = obj.get("answers");
    if (a == null && obj.get("query") != null) a = obj.get("query").get("answers");
    if (a == null || a.isNull()) return List.of();
    List<String> out = new ArrayList<>();
    if (a.isArray()) a.forEach(x -> out.add(x.asText()));
    else out.add(a.asText());
    return out;
  }

  static Passage fromStore(PassageStore store, String docid, String source, long line) {
    if (store == null) {
      throw new BadRecordException(
          source,
          line,
          "document " + docid + " has no text and no collection was given to look it up");
    }
    Passage p = PassageStore.lookup(store, docid);
    if (p == null)
      throw new BadRecordException(source, line, "document " + docid + " is not in the collection");
    return p;
  }
}
