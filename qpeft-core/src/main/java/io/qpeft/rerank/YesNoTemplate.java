package io.qpeft.rerank;

import io.qpeft.data.Passage;
import java.util.List;
import java.util.Objects;

/**
 * How a yes/no LLM reranker turns (instruction, query, passage) into a prompt, and which answer
 * tokens' logits at the prompt's last position make the score.
 *
 * <p>The prompt is a list of {@code parts}, each tokenized on its own (no special tokens added) and
 * concatenated, after the model's BOS token when {@code addBos}: that is how the published model
 * cards build their inputs, and piecewise tokenization can differ from tokenizing the joined text.
 * Parts hold the placeholders {@code {instruction}}, {@code {query}} and the passage: {@code
 * {passage}} (title and text joined by a space, or the text alone), {@code {title}}, {@code
 * {text}}. Special-token strings written in a part (e.g. {@code <|im_start|>}) become those tokens,
 * as the Hugging Face tokenizer does.
 *
 * <p>Score: with one answer token, its logit; with two ({@code yes}, {@code no}), the probability
 * of {@code yes} under a softmax over the two logits, {@code 1 / (1 + exp(logit_no - logit_yes))}.
 *
 * @param name the method name shown to users, e.g. {@code qwen3-reranker}
 * @param parts the prompt pieces, tokenized separately
 * @param addBos put the model's BOS token first
 * @param defaultInstruction the instruction used when none is given; null if the template needs one
 *     given (or has no {@code {instruction}})
 * @param yes the answer token whose logit (or probability) is the relevance score
 * @param no the opposite answer token, or null to score by the logit of {@code yes} alone
 */
public record YesNoTemplate(
    String name,
    List<String> parts,
    boolean addBos,
    String defaultInstruction,
    String yes,
    String no) {

  static final String[] PASSAGE_FIELDS = {"{passage}", "{title}", "{text}"};

  /**
   * Qwen3-Reranker (Qwen/Qwen3-Reranker-0.6B, -4B, -8B), as its model card's "Transformers Usage"
   * builds the input: system prompt prefix, {@code <Instruct>/<Query>/<Document>} body, assistant
   * suffix with an empty think block; three parts, no BOS; score = P("yes") over {"no", "yes"}.
   */
  public static final YesNoTemplate QWEN3_RERANKER =
      new YesNoTemplate(
          "qwen3-reranker",
          List.of(
              "<|im_start|>system\nJudge whether the Document meets the requirements based on the"
                  + " Query and the Instruct provided. Note that the answer can only be \"yes\" or"
                  + " \"no\".<|im_end|>\n<|im_start|>user\n",
              "<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {passage}",
              "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"),
          false,
          "Given a web search query, retrieve relevant passages that answer the query",
          "yes",
          "no");

  /**
   * bge-reranker-v2-gemma (BAAI), as its model card's {@code get_inputs} builds the input: {@code
   * <bos> "A: {query}" "\n" "B: {passage}" "\n" prompt}, each piece tokenized separately; score =
   * the logit of "Yes". The card's {@code prompt} argument is the instruction here.
   */
  public static final YesNoTemplate BGE_GEMMA =
      new YesNoTemplate(
          "bge-gemma",
          List.of("A: {query}", "\n", "B: {passage}", "\n", "{instruction}"),
          true,
          "Given a query A and a passage B, determine whether the passage contains an answer to"
              + " the query by providing a prediction of either 'Yes' or 'No'.",
          "Yes",
          null);

  public YesNoTemplate {
    Objects.requireNonNull(name, "name");
    parts = List.copyOf(Objects.requireNonNull(parts, "parts"));
    if (yes == null || yes.isEmpty()) {
      throw new IllegalArgumentException("a yes/no template needs an answer token, got none");
    }
    if (no != null && no.isEmpty()) no = null;
    if (parts.stream().noneMatch(p -> p.contains("{query}"))) {
      throw new IllegalArgumentException("the yes/no template must contain {query}: " + parts);
    }
    int withPassage = 0;
    for (String p : parts) {
      int start = passageStart(p);
      if (start < 0) continue;
      withPassage++;
      String span = p.substring(start, passageEnd(p));
      if (span.contains("{query}") || span.contains("{instruction}")) {
        throw new IllegalArgumentException(
            "{query} and {instruction} must not sit between passage placeholders: " + p);
      }
    }
    if (withPassage != 1) {
      throw new IllegalArgumentException(
          "the yes/no template must have {passage}, {title} or {text} in exactly one part, got "
              + withPassage
              + ": "
              + parts);
    }
  }

  /**
   * A user's own template, tokenized as one piece with no BOS added (write the model's BOS token,
   * e.g. {@code <s>} or {@code <bos>}, at its start if the model wants one).
   *
   * @param template the prompt, with {@code {query}}, a passage placeholder and optionally {@code
   *     {instruction}}
   * @param yes the answer token scored
   * @param no the opposite answer token, or null to score by the logit of {@code yes}
   */
  public static YesNoTemplate custom(String template, String yes, String no) {
    return new YesNoTemplate("yesno", List.of(template), false, null, yes, no);
  }

  /** Whether some part holds {@code {instruction}}. */
  public boolean usesInstruction() {
    return parts.stream().anyMatch(p -> p.contains("{instruction}"));
  }

  /** The index of the part that holds the passage. */
  int passagePart() {
    for (int i = 0; i < parts.size(); i++) if (passageStart(parts.get(i)) >= 0) return i;
    throw new IllegalStateException("no passage part"); // the constructor guarantees one
  }

  /**
   * {@code part} with its placeholders filled in, in one pass over the template (so a query that
   * contains "{passage}" stays literal text).
   */
  static String render(String part, String instruction, String query, Passage passage) {
    StringBuilder out = new StringBuilder(part.length() + 256);
    int i = 0;
    while (i < part.length()) {
      String value = null;
      String field = null;
      if (part.charAt(i) == '{') {
        for (String f :
            new String[] {"{instruction}", "{query}", "{passage}", "{title}", "{text}"}) {
          if (part.startsWith(f, i)) {
            field = f;
            value = fill(f, instruction, query, passage);
            break;
          }
        }
      }
      if (field == null) {
        out.append(part.charAt(i++));
      } else {
        out.append(value);
        i += field.length();
      }
    }
    return out.toString();
  }

  private static String fill(String field, String instruction, String query, Passage p) {
    return switch (field) {
      case "{instruction}" -> instruction == null ? "" : instruction;
      case "{query}" -> query;
      case "{passage}" -> p.title().isEmpty() ? p.text() : p.title() + " " + p.text();
      case "{title}" -> p.title();
      case "{text}" -> p.text();
      default -> throw new IllegalStateException(field);
    };
  }

  static int passageStart(String s) {
    int best = -1;
    for (String f : PASSAGE_FIELDS) {
      int i = s.indexOf(f);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  static int passageEnd(String s) {
    int best = -1;
    for (String f : PASSAGE_FIELDS) {
      int i = s.lastIndexOf(f);
      if (i >= 0) best = Math.max(best, i + f.length());
    }
    return best;
  }
}
