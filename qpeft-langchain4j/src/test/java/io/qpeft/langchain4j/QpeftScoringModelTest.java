package io.qpeft.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QpeftScoringModelTest {

  /** Score = number of distinct query words found in title + text; records what it saw. */
  static final class OverlapReranker implements Reranker {
    final List<Passage> seen = new ArrayList<>();

    @Override
    public double[] score(Query query, List<Passage> passages) {
      seen.addAll(passages);
      Set<String> q = words(query.text());
      double[] out = new double[passages.size()];
      for (int i = 0; i < out.length; i++) {
        Set<String> d = words(passages.get(i).title() + " " + passages.get(i).text());
        d.retainAll(q);
        out[i] = d.size();
      }
      return out;
    }

    static Set<String> words(String s) {
      return new HashSet<>(Arrays.asList(s.toLowerCase(Locale.ROOT).split("\\W+")));
    }

    @Override
    public void close() {}
  }

  @Test
  void scoresInInputOrder() {
    OverlapReranker reranker = new OverlapReranker();
    QpeftScoringModel model = QpeftScoringModel.builder().setReranker(reranker).build();
    List<TextSegment> segments =
        List.of(
            TextSegment.from("cats sleep a lot"),
            TextSegment.from("the capital of france is paris"),
            TextSegment.from("france", Metadata.from("title", "capital paris")),
            TextSegment.from("nothing here"));

    Response<List<Double>> response = model.scoreAll(segments, "capital of France");

    assertEquals(List.of(0.0, 3.0, 2.0, 0.0), response.content());
    assertEquals("capital paris", reranker.seen.get(2).title());
    assertEquals("", reranker.seen.get(1).title());
  }

  @Test
  void singleScoreAndEmptyList() {
    QpeftScoringModel model =
        QpeftScoringModel.builder().setReranker(new OverlapReranker()).build();
    assertEquals(2.0, model.score("paris france", "France Paris?").content());
    assertEquals(List.of(), model.scoreAll(List.of(), "q").content());
  }

  @Test
  void titleKeyCanBeDisabled() {
    OverlapReranker reranker = new OverlapReranker();
    QpeftScoringModel model =
        QpeftScoringModel.builder().setReranker(reranker).optTitleMetadataKey(null).build();
    model.score(TextSegment.from("x", Metadata.from("title", "t")), "q");
    assertEquals("", reranker.seen.get(0).title());
  }

  @Test
  void requiresReranker() {
    assertThrows(NullPointerException.class, () -> QpeftScoringModel.builder().build());
  }

  /** The same scoring model over a remote qpeft serve (a real server on the loopback interface). */
  @Test
  void scoresThroughARemoteQpeftServe() throws Exception {
    OverlapReranker served = new OverlapReranker();
    try (io.qpeft.server.RerankServer server =
        io.qpeft.server.RerankServer.builder().setReranker(served).optPort(0).build().start()) {
      QpeftScoringModel remote =
          QpeftScoringModel.builder()
              .setReranker(
                  io.qpeft.server.RemoteReranker.builder()
                      .setUrl(server.baseUri().toString())
                      .build())
              .build();
      List<TextSegment> segments =
          List.of(
              TextSegment.from("the nile flows north"),
              TextSegment.from(
                  "a wrought-iron tower", Metadata.from("title", "Eiffel Tower in Paris")));
      Response<List<Double>> r = remote.scoreAll(segments, "eiffel tower paris");
      assertEquals(List.of(0.0, 3.0), r.content());
    }
  }
}
