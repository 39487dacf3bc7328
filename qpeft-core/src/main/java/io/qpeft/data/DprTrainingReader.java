package io.qpeft.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams DPR training JSON ({@code [{question, answers, positive_ctxs, negative_ctxs,
 * hard_negative_ctxs}]}) as {@link DprTrainingRecord}s, one array element at a time. A ctx's id is
 * its {@code passage_id} (or {@code id}); when it has none, a stable synthetic id {@code
 * q<index>-<list>-<position>} is used. Missing lists are empty; a missing question is a bad record.
 */
public final class DprTrainingReader {
  private DprTrainingReader() {}

  public static RecordReader<DprTrainingRecord> open(Path file, ErrorPolicy policy) {
    JsonArrayReader array = new JsonArrayReader(file);
    return new RecordReader.Lazy<>() {
      @Override
      protected DprTrainingRecord read() {
        return array.next(
            policy,
            e -> {
              Query q = QueryReader.dprQuery(e, array.source());
              return new DprTrainingRecord(
                  q,
                  CandidatesReader.answers(e.node(), q),
                  ctxs(e, "positive_ctxs", "pos"),
                  ctxs(e, "negative_ctxs", "neg"),
                  ctxs(e, "hard_negative_ctxs", "hard"));
            });
      }

      private List<Passage> ctxs(JsonArrayReader.Element e, String field, String shortName) {
        JsonNode list = e.node().get(field);
        List<Passage> out = new ArrayList<>();
        if (list == null || list.isNull()) return out;
        if (!list.isArray()) {
          throw new BadRecordException(
              array.source(), e.line(), "\"" + field + "\" is not an array");
        }
        for (int i = 0; i < list.size(); i++) {
          JsonNode c = list.get(i);
          if (!c.isObject()) {
            throw new BadRecordException(
                array.source(), e.line(), field + "[" + i + "] is not an object");
          }
          String id = PassageLines.firstText(c, List.of("passage_id", "id", "docid", "_id"));
          if (id == null || id.isEmpty()) id = "q" + e.index() + "-" + shortName + "-" + i;
          String text = PassageLines.firstText(c, PassageLines.TEXT_FIELDS);
          if (text == null) {
            throw new BadRecordException(
                array.source(), e.line(), field + "[" + i + "] has no \"text\"");
          }
          out.add(new Passage(id, PassageLines.firstText(c, List.of("title")), text));
        }
        return out;
      }

      @Override
      public void close() {
        array.close();
      }
    };
  }
}
