package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token ids of a {@link YesNoTemplate}'s prompt for one (query, passage) pair, with the passage cut
 * to a token budget (its start kept); the template, instruction and query are never cut.
 *
 * <p>The passage part is tokenized whole, as the model cards do. Only when the passage may exceed
 * the budget are the text before and after it tokenized on their own, to find which tokens of the
 * whole belong to the passage (the longest common prefix with the text before, the longest common
 * suffix with the text after; a token straddling the boundary counts as passage). Those passage
 * tokens beyond the budget are dropped, as a Hugging Face tokenizer's truncation drops tokens.
 */
final class YesNoPrompt {
  private final YesNoTemplate template;
  private final TextTokenizer tokenizer;
  private final String instruction;
  private final int maxPassageTokens;
  private final int[] bos;
  private final int passagePart;

  /** Encoded parts without placeholders (null where a part depends on the pair). */
  private final int[][] fixed;

  private final int yesId;
  private final int noId;

  /**
   * @param bosTokenId the model's BOS id, or negative if it has none (then no BOS is added)
   * @param instruction the instruction, or null for the template's default
   * @param maxPassageTokens passage tokens kept; 0 keeps all
   */
  YesNoPrompt(
      YesNoTemplate template,
      TextTokenizer tokenizer,
      int bosTokenId,
      String instruction,
      int maxPassageTokens) {
    this.template = template;
    this.tokenizer = tokenizer;
    this.instruction = instruction(template, instruction);
    this.maxPassageTokens = maxPassageTokens;
    this.bos = template.addBos() && bosTokenId >= 0 ? new int[] {bosTokenId} : new int[0];
    this.passagePart = template.passagePart();
    List<String> parts = template.parts();
    this.fixed = new int[parts.size()][];
    for (int i = 0; i < parts.size(); i++) {
      String p = parts.get(i);
      if (i != passagePart && !p.contains("{query}")) {
        fixed[i] = tokenizer.encode(YesNoTemplate.render(p, this.instruction, "", null));
      }
    }
    this.yesId = answerId(tokenizer, template.yes());
    this.noId = template.no() == null ? -1 : answerId(tokenizer, template.no());
  }

  /** The instruction in force: the given one, else the template's default. */
  private static String instruction(YesNoTemplate template, String given) {
    if (!template.usesInstruction()) {
      if (given != null) {
        throw new IllegalArgumentException(
            "the " + template.name() + " template has no {instruction}; an instruction was given");
      }
      return null;
    }
    String s = given != null ? given : template.defaultInstruction();
    if (s == null) {
      throw new IllegalArgumentException(
          "the " + template.name() + " template has {instruction}: give an instruction");
    }
    return s;
  }

  /**
   * The id of an answer token: {@code text} must be exactly one token (Qwen3-Reranker's card looks
   * "yes" up in the vocabulary, bge-reranker-v2-gemma's encodes "Yes": the same id then).
   */
  static int answerId(TextTokenizer tokenizer, String text) {
    int[] ids = tokenizer.encode(text);
    if (ids.length != 1) {
      throw new IllegalArgumentException(
          "answer token '"
              + text
              + "' is "
              + ids.length
              + " tokens "
              + Arrays.toString(ids)
              + " for this tokenizer; it must be exactly one token");
    }
    return ids[0];
  }

  /** The scored answer ids: {@code [yes]} or {@code [yes, no]}. */
  int[] answerIds() {
    return noId < 0 ? new int[] {yesId} : new int[] {yesId, noId};
  }

  String instruction() {
    return instruction;
  }

  /** The prompt token ids for one pair. */
  int[] ids(Query query, Passage passage) {
    List<int[]> pieces = new ArrayList<>();
    pieces.add(bos);
    List<String> parts = template.parts();
    for (int i = 0; i < parts.size(); i++) {
      if (fixed[i] != null) pieces.add(fixed[i]);
      else if (i == passagePart) pieces.add(passagePart(parts.get(i), query, passage));
      else pieces.add(tokenizer.encode(render(parts.get(i), query, passage)));
    }
    int n = pieces.stream().mapToInt(a -> a.length).sum();
    int[] out = new int[n];
    int at = 0;
    for (int[] p : pieces) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private String render(String part, Query query, Passage passage) {
    return YesNoTemplate.render(part, instruction, query.text(), passage);
  }

  /** The passage part, tokenized whole, its passage tokens cut to the budget. */
  private int[] passagePart(String part, Query query, Passage passage) {
    int[] whole = tokenizer.encode(render(part, query, passage));
    // The passage has at most as many tokens as the whole part: most pairs stop here.
    if (maxPassageTokens <= 0 || whole.length <= maxPassageTokens) return whole;
    int start = YesNoTemplate.passageStart(part);
    int end = YesNoTemplate.passageEnd(part);
    int[] before = tokenizer.encode(render(part.substring(0, start), query, passage));
    int[] after = tokenizer.encode(render(part.substring(end), query, passage));
    int head = 0;
    while (head < before.length && head < whole.length && whole[head] == before[head]) head++;
    int tail = 0;
    while (tail < after.length
        && tail < whole.length - head
        && whole[whole.length - 1 - tail] == after[after.length - 1 - tail]) tail++;
    int passageTokens = whole.length - head - tail;
    if (passageTokens <= maxPassageTokens) return whole;
    int[] out = new int[head + maxPassageTokens + tail];
    System.arraycopy(whole, 0, out, 0, head + maxPassageTokens); // template start + passage start
    System.arraycopy(whole, whole.length - tail, out, head + maxPassageTokens, tail);
    return out;
  }
}
