package io.qpeft.rerank;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prompt token ids of the yes/no presets against the golden cases and the model cards' layout. */
class YesNoPromptTest {
  private static final int BOS = 1;
  private static TextTokenizer tok;
  private static JsonNode golden;

  @BeforeAll
  static void load() {
    tok = TextTokenizer.load(Fixtures.model("tiny-qwen3"));
    golden = Fixtures.golden("tiny-qwen3");
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private static YesNoPrompt qwen3(String instruction, int maxPassageTokens) {
    return new YesNoPrompt(YesNoTemplate.QWEN3_RERANKER, tok, BOS, instruction, maxPassageTokens);
  }

  @Test
  void presetTextIsTheGoldenTemplate() {
    JsonNode t = golden.get("yesno_template");
    List<String> parts = YesNoTemplate.QWEN3_RERANKER.parts();
    assertEquals(t.get("prefix").asText(), parts.get(0));
    assertEquals(t.get("body").asText().replace("{doc}", "{passage}"), parts.get(1));
    assertEquals(t.get("suffix").asText(), parts.get(2));
    assertEquals(
        t.get("default_instruction").asText(), YesNoTemplate.QWEN3_RERANKER.defaultInstruction());
  }

  /** Every golden case: the same prompt ids exactly, and the same yes/no ids. */
  @Test
  void qwen3PromptIdsMatchTheGoldenCases() {
    for (JsonNode c : golden.get("yesno_cases")) {
      YesNoPrompt p = qwen3(c.get("instruction").asText(), 0);
      int[] ids =
          p.ids(
              new Query("q", c.get("query").asText()),
              new Passage("d", c.get("document").asText()));
      assertArrayEquals(ints(c.get("prompt_ids")), ids, c.get("name").asText());
      assertArrayEquals(
          new int[] {c.get("yes_id").asInt(), c.get("no_id").asInt()}, p.answerIds(), "yes, no");
    }
  }

  /** The default instruction is the model card's: the cases that use it need none given. */
  @Test
  void defaultInstructionIsTheCards() {
    JsonNode c = golden.get("yesno_cases").get(0);
    assertEquals(YesNoTemplate.QWEN3_RERANKER.defaultInstruction(), c.get("instruction").asText());
    int[] ids =
        qwen3(null, 300)
            .ids(
                new Query("q", c.get("query").asText()),
                new Passage("d", c.get("document").asText()));
    assertArrayEquals(ints(c.get("prompt_ids")), ids);
  }

  /** A long passage keeps its first N tokens; template, instruction and query stay whole. */
  @Test
  void cutsOnlyThePassageKeepingItsStart() {
    String query = "What is the capital of China? ".repeat(20).strip(); // longer than the budget
    String doc = "Gravity is a force that attracts two bodies towards each other. ".repeat(5);
    String instruction = YesNoTemplate.QWEN3_RERANKER.defaultInstruction();
    List<String> parts = YesNoTemplate.QWEN3_RERANKER.parts();
    int[] prefix = tok.encode(parts.get(0));
    int[] head = tok.encode("<Instruct>: " + instruction + "\n<Query>: " + query + "\n<Document>:");
    int[] docIds = tok.encode(" " + doc); // byte-level BPE splits before the space
    int[] suffix = tok.encode(parts.get(2));
    assertTrue(docIds.length > 20 && head.length > 20);
    for (int budget : new int[] {1, 7, 20, docIds.length, docIds.length + 5}) {
      int[] got = qwen3(null, budget).ids(new Query("q", query), new Passage("d", doc));
      int[] expected =
          concat(prefix, head, Arrays.copyOf(docIds, Math.min(budget, docIds.length)), suffix);
      assertArrayEquals(expected, got, "budget " + budget);
    }
    // 0 keeps the whole passage, which is the whole body tokenized in one piece
    int[] whole = qwen3(null, 0).ids(new Query("q", query), new Passage("d", doc));
    assertArrayEquals(concat(prefix, head, docIds, suffix), whole);
  }

  /**
   * bge-reranker-v2-gemma: BOS, then A, newline, B, newline, prompt, each tokenized alone. ("Yes"
   * is two tokens in the tiny tokenizer, one in Gemma's: the layout is tested with "yes".)
   */
  @Test
  void bgeGemmaLayoutIsTheCards() {
    YesNoTemplate bge = withYes(YesNoTemplate.BGE_GEMMA, "yes");
    YesNoPrompt p = new YesNoPrompt(bge, tok, BOS, null, 300);
    int[] ids = p.ids(new Query("q", "what is panda?"), new Passage("d", "Bear", "hi there"));
    int[] expected =
        concat(
            new int[] {BOS},
            tok.encode("A: what is panda?"),
            tok.encode("\n"),
            tok.encode("B: Bear hi there"),
            tok.encode("\n"),
            tok.encode(YesNoTemplate.BGE_GEMMA.defaultInstruction()));
    assertArrayEquals(expected, ids);
    assertArrayEquals(new int[] {961}, p.answerIds()); // scored by the logit of one token
    IllegalArgumentException twoTokens =
        assertThrows(
            IllegalArgumentException.class,
            () -> new YesNoPrompt(YesNoTemplate.BGE_GEMMA, tok, BOS, null, 300));
    assertTrue(twoTokens.getMessage().contains("'Yes' is 2 tokens"), twoTokens.getMessage());
    YesNoPrompt own = new YesNoPrompt(bge, tok, BOS, "Relevant?", 300);
    int[] withOwn = own.ids(new Query("q", "what is panda?"), new Passage("d", "Bear", "hi there"));
    assertArrayEquals(
        tok.encode("Relevant?"),
        Arrays.copyOfRange(
            withOwn, withOwn.length - tok.encode("Relevant?").length, withOwn.length));
    // no BOS when the model has none
    YesNoPrompt noBos = new YesNoPrompt(bge, tok, -1, null, 300);
    assertEquals(
        ids.length - 1,
        noBos.ids(new Query("q", "what is panda?"), new Passage("d", "Bear", "hi there")).length);
  }

  /** A custom template is tokenized in one piece; placeholders in the query stay literal. */
  @Test
  void customTemplateAndLiteralPlaceholders() {
    YesNoTemplate t =
        YesNoTemplate.custom(
            "<s>Query: {query}\nDocument: {title}: {text}\nRelevant:", "yes", null);
    YesNoPrompt p = new YesNoPrompt(t, tok, BOS, null, 0);
    int[] ids = p.ids(new Query("q", "why {passage}?"), new Passage("d", "T", "body"));
    assertArrayEquals(tok.encode("<s>Query: why {passage}?\nDocument: T: body\nRelevant:"), ids);
    assertEquals(BOS, ids[0]); // "<s>" written in the template is the BOS token
    assertArrayEquals(new int[] {961}, p.answerIds());
  }

  @Test
  void refusesBadTemplatesAndAnswers() {
    assertThrows(
        IllegalArgumentException.class,
        () -> YesNoTemplate.custom("Document: {passage}", "yes", "no"));
    assertThrows(
        IllegalArgumentException.class, () -> YesNoTemplate.custom("Query: {query}", "yes", "no"));
    assertThrows(
        IllegalArgumentException.class, () -> YesNoTemplate.custom("{query} {passage}", "", "no"));
    assertThrows(
        IllegalArgumentException.class,
        () -> YesNoTemplate.custom("{title} {query} {text}", "yes", "no"));
    YesNoTemplate noInstruction = YesNoTemplate.custom("{query} {passage}", "yes", "no");
    IllegalArgumentException given =
        assertThrows(
            IllegalArgumentException.class,
            () -> new YesNoPrompt(noInstruction, tok, BOS, "judge", 0));
    assertTrue(given.getMessage().contains("{instruction}"), given.getMessage());
    YesNoTemplate needsInstruction =
        YesNoTemplate.custom("{instruction} {query} {passage}", "yes", "no");
    assertThrows(
        IllegalArgumentException.class, () -> new YesNoPrompt(needsInstruction, tok, BOS, null, 0));
    YesNoTemplate twoTokens = YesNoTemplate.custom("{query} {passage}", "yes please", "no");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new YesNoPrompt(twoTokens, tok, BOS, null, 0));
    assertTrue(e.getMessage().contains("'yes please'"), e.getMessage());
  }

  private static YesNoTemplate withYes(YesNoTemplate t, String yes) {
    return new YesNoTemplate(t.name(), t.parts(), t.addBos(), t.defaultInstruction(), yes, t.no());
  }

  private static int[] concat(int[]... arrays) {
    return Arrays.stream(arrays).flatMapToInt(IntStream::of).toArray();
  }
}
