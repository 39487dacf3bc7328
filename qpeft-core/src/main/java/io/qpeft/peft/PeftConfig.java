package io.qpeft.peft;

import java.util.Objects;

/**
 * The shape of an adapter and its prompt. Defaults follow the Q-PEFT reference recipe (arXiv
 * 2404.04522): input {@code <bos> [soft prompt] Passage: {title} {text}\nhints: [hints]
 * \nQuestion:\n}, target {@code <bos> {query} <eos>}, 300 tokens in total.
 *
 * @param variant what is trained (see {@link Variant})
 * @param topK Q-PEFT-R: number of distinct passage tokens turned into hints
 * @param heads Q-PEFT-A: attention heads (must divide the hidden size)
 * @param dropout Q-PEFT-A: dropout on the attention weights while training
 * @param stopWords Q-PEFT-R: skip English stop words when selecting hint tokens
 * @param alphabeticOnly Q-PEFT-R: skip tokens without a letter (punctuation, digits)
 * @param maxTokens total input budget; the passage is cut (its start kept) to fit, the query never
 *     is
 * @param softPromptText the text whose token embeddings initialise the soft prompt
 * @param trainSoftPrompt train the soft prompt too (always true for {@link Variant#PROMPT})
 * @param passagePrefix text before the passage (the passage itself is rendered with a leading
 *     space, so the pieces tokenize exactly as the whole text would)
 * @param hintsText text after the passage, before the hint vectors (omitted without a module)
 * @param questionText text after the hints
 * @param queryPrefix text before the query in the target (after its BOS)
 */
public record PeftConfig(
    Variant variant,
    int topK,
    int heads,
    double dropout,
    boolean stopWords,
    boolean alphabeticOnly,
    int maxTokens,
    String softPromptText,
    boolean trainSoftPrompt,
    String passagePrefix,
    String hintsText,
    String questionText,
    String queryPrefix) {

  public static final String DEFAULT_SOFT_PROMPT =
      "given the hints, please generate a question for the input passage";

  public PeftConfig {
    Objects.requireNonNull(variant, "variant");
    require(topK > 0, "--top-k must be positive, got " + topK);
    require(heads > 0, "--heads must be positive, got " + heads);
    require(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
    require(maxTokens > 0, "--max-tokens must be positive, got " + maxTokens);
    Objects.requireNonNull(softPromptText, "softPromptText");
    Objects.requireNonNull(passagePrefix, "passagePrefix");
    Objects.requireNonNull(hintsText, "hintsText");
    Objects.requireNonNull(questionText, "questionText");
    Objects.requireNonNull(queryPrefix, "queryPrefix");
    if (variant == Variant.PROMPT) trainSoftPrompt = true;
    if (variant == Variant.INSTRUCTION) trainSoftPrompt = false;
  }

  /** The reference recipe for {@code variant}: top-k 10, 2 heads, dropout 0.1, 300 tokens. */
  public static PeftConfig defaults(Variant variant) {
    return new PeftConfig(
        variant,
        10,
        2,
        0.1,
        true,
        true,
        300,
        DEFAULT_SOFT_PROMPT,
        false,
        "Passage:",
        "\nhints:",
        "\nQuestion:\n",
        " ");
  }

  public PeftConfig withTopK(int k) {
    return new PeftConfig(
        variant,
        k,
        heads,
        dropout,
        stopWords,
        alphabeticOnly,
        maxTokens,
        softPromptText,
        trainSoftPrompt,
        passagePrefix,
        hintsText,
        questionText,
        queryPrefix);
  }

  public PeftConfig withHeads(int h, double p) {
    return new PeftConfig(
        variant,
        topK,
        h,
        p,
        stopWords,
        alphabeticOnly,
        maxTokens,
        softPromptText,
        trainSoftPrompt,
        passagePrefix,
        hintsText,
        questionText,
        queryPrefix);
  }

  public PeftConfig withMaxTokens(int n) {
    return new PeftConfig(
        variant,
        topK,
        heads,
        dropout,
        stopWords,
        alphabeticOnly,
        n,
        softPromptText,
        trainSoftPrompt,
        passagePrefix,
        hintsText,
        questionText,
        queryPrefix);
  }

  public PeftConfig withFilters(boolean stop, boolean alphabetic) {
    return new PeftConfig(
        variant,
        topK,
        heads,
        dropout,
        stop,
        alphabetic,
        maxTokens,
        softPromptText,
        trainSoftPrompt,
        passagePrefix,
        hintsText,
        questionText,
        queryPrefix);
  }

  public PeftConfig withTrainSoftPrompt(boolean train) {
    return new PeftConfig(
        variant,
        topK,
        heads,
        dropout,
        stopWords,
        alphabeticOnly,
        maxTokens,
        softPromptText,
        train,
        passagePrefix,
        hintsText,
        questionText,
        queryPrefix);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }
}
