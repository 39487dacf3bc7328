package io.qpeft.rerank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RerankerFactoryTest {
  private static final Path LLAMA = Fixtures.model("tiny-llama");
  private static final Query QUERY = new Query("q", "where is the eiffel tower");
  private static final List<Passage> PASSAGES =
      List.of(
          new Passage("d1", "The Nile flows north."),
          new Passage("d2", "Eiffel Tower", "A wrought-iron tower in Paris, France."));

  @Test
  void parsesMethodNames() {
    assertEquals(RerankMethod.QWEN3_RERANKER, RerankMethod.parse("Qwen3-Reranker"));
    assertEquals(RerankMethod.BGE_GEMMA, RerankMethod.parse("bge-gemma"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RerankMethod.parse("monot5"));
    assertEquals(
        "unknown method 'monot5'; allowed: upr, qpeft, qwen3-reranker, bge-gemma, yesno",
        e.getMessage());
  }

  @Test
  void refusesOptionsThatDoNotApplyToTheMethod() {
    assertRefused(
        "method qpeft needs an adapter",
        () -> RerankerFactory.builder().setMethod(RerankMethod.QPEFT));
    assertRefused(
        "it goes with method qpeft, not qwen3-reranker",
        () ->
            RerankerFactory.builder()
                .setMethod(RerankMethod.QWEN3_RERANKER)
                .optAdapter(Path.of("a")));
    assertRefused(
        "an instruction applies to methods qwen3-reranker, bge-gemma and yesno, not upr",
        () -> RerankerFactory.builder().optInstruction("judge"));
    assertRefused(
        "apply to method upr, not bge-gemma",
        () ->
            RerankerFactory.builder()
                .setMethod(RerankMethod.BGE_GEMMA)
                .optAggregation(Aggregation.SUM));
    assertRefused(
        "method qwen3-reranker has the model card's prompt and answer tokens; for your own, use"
            + " method yesno",
        () ->
            RerankerFactory.builder()
                .setMethod(RerankMethod.QWEN3_RERANKER)
                .optAnswerTokens(List.of("yes")));
    assertRefused(
        "apply to method yesno, not upr",
        () -> RerankerFactory.builder().optYesNoTemplate("{query} {passage}"));
    assertRefused(
        "method yesno needs a template",
        () ->
            RerankerFactory.builder()
                .setMethod(RerankMethod.YESNO)
                .optAnswerTokens(List.of("yes")));
    assertRefused(
        "method yesno needs one or two answer tokens (YES or YES,NO), got [a, b, c]",
        () ->
            RerankerFactory.builder()
                .setMethod(RerankMethod.YESNO)
                .optYesNoTemplate("{query} {passage}")
                .optAnswerTokens(List.of("a", "b", "c")));
  }

  private static void assertRefused(String part, Supplier<RerankerFactory.Builder> builder) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> builder.get().build());
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  /** The factory's UPR is the UPR reranker with the same options: the same scores. */
  @Test
  void uprFromTheFactoryIsUpr() {
    try (TransformerLm lm = Models.load(LLAMA);
        TextTokenizer tok = TextTokenizer.load(LLAMA)) {
      RerankerFactory f =
          RerankerFactory.builder()
              .optMaxPassageTokens(5)
              .optAggregation(Aggregation.SUM)
              .optBatchTokens(64)
              .build();
      try (Reranker fromFactory = f.create(lm, tok, LLAMA);
          Reranker direct =
              UprReranker.builder()
                  .setModel(lm)
                  .setTokenizer(tok)
                  .optMaxPassageTokens(5)
                  .optAggregation(Aggregation.SUM)
                  .optBatchTokens(64)
                  .build()) {
        assertInstanceOf(UprReranker.class, fromFactory);
        assertArrayEquals(direct.score(QUERY, PASSAGES), fromFactory.score(QUERY, PASSAGES));
      }
      assertEquals(
          Map.of(
              "method",
              "upr",
              "template",
              PromptTemplate.UPR.prompt(),
              "target_template",
              " {query}",
              "max_passage_tokens",
              5,
              "aggregation",
              "sum"),
          f.settings());
    }
  }

  /** Yes/no methods build a yes/no reranker with the template asked for. */
  @Test
  void yesNoMethodsBuildAYesNoReranker() {
    try (TransformerLm lm = Models.load(LLAMA);
        TextTokenizer tok = TextTokenizer.load(LLAMA)) {
      RerankerFactory f =
          RerankerFactory.builder()
              .setMethod(RerankMethod.YESNO)
              .optYesNoTemplate("Query: {query}\nDocument: {passage}\n{instruction}")
              .optInstruction("Relevant?")
              .optAnswerTokens(List.of(" the", " of")) // one token each in the tiny tokenizer
              .build();
      YesNoReranker r = (YesNoReranker) f.create(lm, tok, LLAMA);
      assertEquals("Relevant?", r.instruction());
      assertArrayEquals(new int[] {tok.encode(" the")[0], tok.encode(" of")[0]}, r.answerIds());
      assertArrayEquals(
          tok.encode("Query: q\nDocument: d\nRelevant?"),
          r.promptIds(new Query("1", "q"), new Passage("2", "d")));
      assertEquals("yesno", f.settings().get("method"));
      assertEquals(List.of(" the", " of"), f.settings().get("answer_tokens"));
    }
    // the preset's answer tokens exist in tiny-qwen3's tokenizer (ids 960, 961), not in the
    // 960-row tiny Llama: refused, not read out of bounds
    try (TransformerLm lm = Models.load(LLAMA);
        TextTokenizer qwen3Tokenizer = TextTokenizer.load(Fixtures.model("tiny-qwen3"))) {
      RerankerFactory qwen3 =
          RerankerFactory.builder().setMethod(RerankMethod.QWEN3_RERANKER).build();
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> qwen3.create(lm, qwen3Tokenizer, LLAMA));
      assertEquals(
          "answer token id 961 is outside the model's vocabulary [0, 960)", e.getMessage());
    }
  }

  /** open() loads the model and closes it with the reranker; a bad option leaks nothing. */
  @Test
  void openOwnsTheModel() {
    try (Reranker r = RerankerFactory.builder().build().open(LLAMA)) {
      assertEquals(2, r.score(QUERY, PASSAGES).length);
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RerankerFactory.builder()
                    .setMethod(RerankMethod.YESNO)
                    .optYesNoTemplate("{query} {passage}")
                    .optAnswerTokens(List.of("not one token"))
                    .build()
                    .open(LLAMA));
    assertTrue(e.getMessage().contains("must be exactly one token"), e.getMessage());
  }
}
