package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of rerank-ready JSONL (what {@code qpeft retrieve --jsonl} writes): <code>
 * {"query":{"qid","text"},"candidates":[{"docid","score","doc":{"title","text"}}]}</code>. The
 * query may also be a string with the id beside it ({@code "qid"}); a candidate's text may be in
 * {@code doc} (an object or a string), on the candidate itself ({@code text}/{@code contents}), or
 * looked up by docid in a collection. Used by {@link CandidatesReader} for files and by the Spark
 * job for lines it reads itself.
 */
public final class JsonlRequest {
  private JsonlRequest() {}

  /**
   * Parses one line.
   *
   * @param index the 0-based record number, the query id when the line has none
   * @param depth keep at most this many candidates; 0 keeps all
   * @param store passages by id for candidates without text; may be null
   * @param source the file, for error messages
   * @param lineNumber the 1-based line, for error messages
   * @throws BadRecordException naming {@code source:lineNumber} for a malformed line
   */
  public static CandidatesRecord parse(
      String line, long index, int depth, PassageStore store, String source, long lineNumber) {
    return new Parser(store, source, lineNumber).parse(line, index, depth);
  }

  private record Parser(PassageStore store, String source, long lineNumber) {
    BadRecordException bad(String problem) {
      return new BadRecordException(source, lineNumber, problem);
    }

    CandidatesRecord parse(String line, long index, int depth) {
      JsonNode node;
      try {
        node = PassageLines.JSON.readTree(line);
      } catch (Exception e) {
        throw bad("invalid JSON: " + PassageLines.firstLine(e));
      }
      if (!(node instanceof ObjectNode obj)) throw bad("expected a JSON object per line");
      Query query = query(obj, index);
      JsonNode cands = obj.get("candidates");
      if (cands == null || !cands.isArray()) {
        throw bad("query " + query.qid() + " has no \"candidates\" array");
      }
      List<Candidate> out = new ArrayList<>();
      for (int c = 0; c < cands.size() && (depth == 0 || c < depth); c++) {
        out.add(candidate(cands.get(c), c, query.qid()));
      }
      return new CandidatesRecord(
          new Candidates(query, out), CandidatesReader.answers(obj, query), obj, lineNumber);
    }

    private Query query(ObjectNode obj, long index) {
      JsonNode q = obj.get("query");
      if (q == null || q.isNull()) throw bad("missing \"query\"");
      String qid;
      String text;
      if (q.isObject()) {
        qid = PassageLines.firstText(q, QueryReader.QID_FIELDS);
        text = PassageLines.firstText(q, QueryReader.QUERY_TEXT_FIELDS);
      } else {
        qid = PassageLines.firstText(obj, QueryReader.QID_FIELDS);
        text = q.asText();
      }
      if (text == null) throw bad("query has no \"text\"");
      return new Query(qid == null ? Long.toString(index) : qid, text);
    }

    private Candidate candidate(JsonNode c, int position, String qid) {
      if (c == null || !c.isObject()) {
        throw bad("candidate " + position + " of query " + qid + " is not an object");
      }
      String docid = PassageLines.firstText(c, PassageLines.ID_FIELDS);
      if (docid == null) {
        throw bad("candidate " + position + " of query " + qid + " has no \"docid\"");
      }
      double score = CandidatesReader.score(c.get("score"), source, lineNumber, docid);
      JsonNode doc = c.get("doc");
      Passage p;
      if (doc != null && doc.isTextual()) {
        p = new Passage(docid, "", doc.asText());
      } else if (doc != null && doc.isObject()) {
        p = withId(docid, doc);
      } else if (PassageLines.firstText(c, PassageLines.TEXT_FIELDS) != null) {
        p = withId(docid, c);
      } else {
        p = CandidatesReader.fromStore(store, docid, source, lineNumber);
      }
      return new Candidate(p, score);
    }

    private Passage withId(String docid, JsonNode doc) {
      String text = PassageLines.firstText(doc, PassageLines.TEXT_FIELDS);
      if (text == null) throw bad("document " + docid + " has no \"text\" or \"contents\"");
      String title = PassageLines.firstText(doc, List.of("title"));
      return new Passage(docid, title, text);
    }
  }
}
