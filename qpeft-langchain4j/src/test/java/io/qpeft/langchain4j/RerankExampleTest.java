package io.qpeft.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
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
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  @Test
  void exampleRunsOnTheTinyModel() {
    List<String> lines = runExample(TINY_LLAMA.toString(), "upr");
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(
        lines.get(0).matches("\\[-[0-9.E-]+, -[0-9.E-]+\\]"), lines.get(0)); // log-likelihoods
    assertEquals("ReRankingContentAggregator", lines.get(1));
  }

  /** With its defaults' method (qwen3-reranker) on tiny-qwen3: probabilities of "yes". */
  @Test
  void exampleRunsTheQwen3RerankerPreset() {
    List<String> lines = runExample(Fixtures.model("tiny-qwen3").toString(), "qwen3-reranker");
    assertTrue(lines.get(0).matches("\\[0\\.[0-9E-]+, 0\\.[0-9E-]+\\]"), lines.get(0));
  }

  private static List<String> runExample(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      RerankExample.main(args);
    } finally {
      System.setOut(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  /** A yes/no method from the factory: the scoring model returns its scores, in input order. */
  @Test
  void scoresEqualYesNoScores() {
    RerankerFactory factory =
        RerankerFactory.builder()
            .setMethod(RerankMethod.YESNO)
            .optYesNoTemplate("<s>Query: {query}\nPassage: {passage}\nAnswer:")
            .optAnswerTokens(List.of(" the"))
            .build();
    try (Reranker reranker = factory.open(TINY_LLAMA)) {
      List<Double> scores =
          QpeftScoringModel.builder()
              .setReranker(reranker)
              .build()
              .scoreAll(
                  List.of(
                      TextSegment.from("rivers flow", Metadata.from("title", "Rivers")),
                      TextSegment.from("paris is in france")),
                  "where is paris")
              .content();
      double[] direct =
          reranker.score(
              new Query("q", "where is paris"),
              List.of(
                  new Passage("0", "Rivers", "rivers flow"),
                  new Passage("1", "paris is in france")));
      assertEquals(List.of(direct[0], direct[1]), scores);
    }
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
