package io.qpeft.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.segment.TextSegment;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the documented example and checks the scoring model against UPR on the tiny fixture. */
class RerankExampleTest {
  static final Path TINY_LLAMA =
      Path.of("../qpeft-core/src/test/resources/fixtures/models/tiny-llama");

  @Test
  void exampleRunsOnTheTinyModel() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      RerankExample.main(new String[] {TINY_LLAMA.toString()});
    } finally {
      System.setOut(original);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).matches("\\[-[0-9.E-]+, -[0-9.E-]+\\]"), lines.get(0));
    assertEquals("ReRankingContentAggregator", lines.get(1));
  }

  @Test
  void scoresEqualUprScores() {
    try (LanguageModel lm = Models.load(TINY_LLAMA);
        TextTokenizer tokenizer = TextTokenizer.load(TINY_LLAMA);
        UprReranker reranker = UprReranker.builder().setModel(lm).setTokenizer(tokenizer).build()) {
      QpeftScoringModel scoring = QpeftScoringModel.builder().setReranker(reranker).build();
      List<Double> scores =
          scoring
              .scoreAll(
                  List.of(TextSegment.from("rivers flow"), TextSegment.from("paris is in france")),
                  "where is paris")
              .content();
      double[] upr =
          reranker.score(
              new Query("q", "where is paris"),
              List.of(new Passage("0", "rivers flow"), new Passage("1", "paris is in france")));
      assertEquals(List.of(upr[0], upr[1]), scores);
    }
  }
}
