package io.qpeft.rerank;

import io.qpeft.data.Passage;
import java.util.Objects;

/**
 * How a (query, passage) pair becomes a prompt and a target for query-likelihood scoring.
 *
 * <p>{@code prompt} holds the passage through the placeholders {@code {title}}, {@code {text}} or
 * {@code {passage}} (title and text joined by a space, or the text alone when there is no title);
 * {@code target} holds {@code {query}}. The span from the first passage placeholder to the last one
 * is tokenized on its own so it can be truncated to a token budget; the query is never truncated.
 *
 * @param prompt the conditioning text, e.g. {@code "Passage: {passage} Please write a question..."}
 * @param target the scored text, e.g. {@code " {query}"}
 * @param addBos put the model's BOS token before the prompt (when the model has one)
 * @param addEos put the model's EOS token after the target (when the model has one)
 */
public record PromptTemplate(String prompt, String target, boolean addBos, boolean addEos) {
  // Declared before UPR: static initialisers run in order and UPR's constructor reads it.
  private static final String[] PASSAGE_FIELDS = {"{passage}", "{title}", "{text}"};

  /**
   * UPR (Sachan et al., 2022, "Improving Passage Retrieval with Zero-Shot Question Generation"):
   * the passage, then an instruction to write a question; the query is the target.
   */
  public static final PromptTemplate UPR =
      new PromptTemplate(
          "Passage: {passage} Please write a question based on this passage.\nQuestion:",
          " {query}",
          true,
          true);

  public PromptTemplate {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(target, "target");
    if (!target.contains("{query}")) {
      throw new IllegalArgumentException(
          "the target template must contain {query}, got: " + target);
    }
    if (prompt.contains("{query}")) {
      throw new IllegalArgumentException(
          "the prompt template must not contain {query} (the query is the scored target): "
              + prompt);
    }
    if (passageStart(prompt) < 0) {
      throw new IllegalArgumentException(
          "the prompt template must contain {passage}, {title} or {text}, got: " + prompt);
    }
  }

  /** A template with BOS before the prompt and EOS after the target. */
  public static PromptTemplate of(String prompt, String target) {
    return new PromptTemplate(prompt, target, true, true);
  }

  /**
   * The prompt text before the passage span, without trailing whitespace: that whitespace starts
   * the passage span instead, so that piecewise tokenization equals tokenizing the whole prompt for
   * tokenizers that attach a space to the following word (byte-level BPE, SentencePiece).
   */
  public String prefix() {
    return stripTrailingWhitespace(prompt.substring(0, passageStart(prompt)));
  }

  /** The prompt text after the passage span. */
  public String suffix() {
    return prompt.substring(passageEnd(prompt));
  }

  /** The passage span rendered for {@code p}. */
  public String renderPassage(Passage p) {
    String before = prompt.substring(0, passageStart(prompt));
    String span =
        before.substring(stripTrailingWhitespace(before).length())
            + prompt.substring(passageStart(prompt), passageEnd(prompt));
    String joined = p.title().isEmpty() ? p.text() : p.title() + " " + p.text();
    return span.replace("{passage}", joined)
        .replace("{title}", p.title())
        .replace("{text}", p.text());
  }

  public String renderTarget(String query) {
    return target.replace("{query}", query);
  }

  private static String stripTrailingWhitespace(String s) {
    int end = s.length();
    while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) end--;
    return s.substring(0, end);
  }

  private static int passageStart(String s) {
    int best = -1;
    for (String f : PASSAGE_FIELDS) {
      int i = s.indexOf(f);
      if (i >= 0 && (best < 0 || i < best)) best = i;
    }
    return best;
  }

  private static int passageEnd(String s) {
    int best = -1;
    for (String f : PASSAGE_FIELDS) {
      int i = s.lastIndexOf(f);
      if (i >= 0) best = Math.max(best, i + f.length());
    }
    return best;
  }
}
