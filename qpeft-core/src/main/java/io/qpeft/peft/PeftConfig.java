package io.qpeft.peft;

import java.util.Objects;

/**
 * The shape of an adapter and its prompt. Defaults follow the Q-PEFT reference recipe (arXiv
 * 2404.04522): input {@code <bos> [soft prompt] Passage: {title} {text}\nhints: [hints]
 * \nQuestion:\n}, target {@code <bos> {query} <eos>}, 300 tokens in total. Build with {@link
 * #builder()} or {@link #toBuilder()}.
 *
 * @param variant what is trained (see {@link Variant})
 * @param topK Q-PEFT-R: number of distinct passage tokens turned into hints
 * @param heads Q-PEFT-A: attention heads (must divide the hidden size)
 * @param dropout Q-PEFT-A: dropout on the attention weights while training
 * @param stopWords Q-PEFT-R: skip English stop words when selecting hint tokens
 * @param alphabeticOnly Q-PEFT-R: skip tokens without a letter (punctuation, digits)
 * @param minSimilarity Q-PEFT-R: a passage token can be a hint only when its best cosine similarity
 *     to a query token is at least this: 1 keeps the query's own tokens only (what the
 *     textual-hints baseline writes), -1 any token (the paper's plain top-k)
 * @param maxTokens total input budget; the passage is cut (its start kept) to fit, the query never
 *     is
 * @param softPromptText the text whose token embeddings initialise the soft prompt
 * @param trainSoftPrompt train the soft prompt too (always true for {@link Variant#PROMPT})
 * @param passagePrefix text before the passage (the passage itself is rendered with a leading
 *     space, so the pieces tokenize exactly as the whole text would)
 * @param hintsText text after the passage, before the hint vectors (omitted without a module)
 * @param questionText text after the hints
 * @param queryPrefix text before the query in the target (after its BOS)
 * @param residualMlp the hint MLP adds its input back ({@code x + MLP(x)}) and its last layer
 *     starts at zero, so an untrained module's hints are its input rows: for Q-PEFT-R the selected
 *     tokens' own embeddings, i.e. the hints written as text
 * @param attentionScore Q-PEFT-A: dot product (paper) or scaled cosine
 * @param attentionTemperature Q-PEFT-A with {@link AttentionScore#COSINE}: the scale {@code tau}
 * @param attentionInit Q-PEFT-A: Xavier (paper) or identity projections
 * @param hintSource the tokens hints are drawn from: the passage, or the whole prompt (paper)
 * @param trainableQuerySide Q-PEFT-R: rank passage tokens against the query rows of the trainable
 *     copy (paper) rather than of the frozen table
 * @param resample Q-PEFT-R: when fewer than top-k tokens pass the filters, draw (with replacement,
 *     seeded by the pair) from them up to k, as the official code does
 * @param wrapHints the hint words' rows ({@code hintsText} before, a newline after) come from the
 *     trainable copy through the MLP, as the official code does, instead of being plain text
 * @param truncation which part of a too-long passage is kept
 */
public record PeftConfig(
    Variant variant,
    int topK,
    int heads,
    double dropout,
    boolean stopWords,
    boolean alphabeticOnly,
    double minSimilarity,
    int maxTokens,
    String softPromptText,
    boolean trainSoftPrompt,
    String passagePrefix,
    String hintsText,
    String questionText,
    String queryPrefix,
    boolean residualMlp,
    AttentionScore attentionScore,
    double attentionTemperature,
    AttentionInit attentionInit,
    HintSource hintSource,
    boolean trainableQuerySide,
    boolean resample,
    boolean wrapHints,
    Truncation truncation) {

  public static final String DEFAULT_SOFT_PROMPT =
      "given the hints, please generate a question for the input passage";

  public PeftConfig {
    Objects.requireNonNull(variant, "variant");
    require(topK > 0, "--top-k must be positive, got " + topK);
    require(heads > 0, "--heads must be positive, got " + heads);
    require(dropout >= 0 && dropout < 1, "--dropout must be in [0, 1), got " + dropout);
    require(
        minSimilarity >= -1 && minSimilarity <= 1,
        "--min-similarity must be in [-1, 1], got " + minSimilarity);
    require(maxTokens > 0, "--max-tokens must be positive, got " + maxTokens);
    Objects.requireNonNull(softPromptText, "softPromptText");
    Objects.requireNonNull(passagePrefix, "passagePrefix");
    Objects.requireNonNull(hintsText, "hintsText");
    Objects.requireNonNull(questionText, "questionText");
    Objects.requireNonNull(queryPrefix, "queryPrefix");
    Objects.requireNonNull(attentionScore, "attentionScore");
    Objects.requireNonNull(attentionInit, "attentionInit");
    Objects.requireNonNull(hintSource, "hintSource");
    Objects.requireNonNull(truncation, "truncation");
    require(
        attentionTemperature > 0 && Double.isFinite(attentionTemperature),
        "--attention-temperature must be positive, got " + attentionTemperature);
    if (variant == Variant.PROMPT) trainSoftPrompt = true;
    if (variant == Variant.INSTRUCTION) trainSoftPrompt = false;
  }

  /** The reference recipe for {@code variant}: top-k 10, 2 heads, dropout 0.1, 300 tokens. */
  public static PeftConfig defaults(Variant variant) {
    return builder().setVariant(variant).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.variant = variant;
    b.topK = topK;
    b.heads = heads;
    b.dropout = dropout;
    b.stopWords = stopWords;
    b.alphabeticOnly = alphabeticOnly;
    b.minSimilarity = minSimilarity;
    b.maxTokens = maxTokens;
    b.softPromptText = softPromptText;
    b.trainSoftPrompt = trainSoftPrompt;
    b.passagePrefix = passagePrefix;
    b.hintsText = hintsText;
    b.questionText = questionText;
    b.queryPrefix = queryPrefix;
    b.residualMlp = residualMlp;
    b.attentionScore = attentionScore;
    b.attentionTemperature = attentionTemperature;
    b.attentionInit = attentionInit;
    b.hintSource = hintSource;
    b.trainableQuerySide = trainableQuerySide;
    b.resample = resample;
    b.wrapHints = wrapHints;
    b.truncation = truncation;
    return b;
  }

  /**
   * Builder in DJL's style: {@link #setVariant} is required, every {@code optX} has the reference
   * recipe's default.
   */
  public static final class Builder {
    private Variant variant;
    private int topK = 10;
    private int heads = 2;
    private double dropout = 0.1;
    private boolean stopWords = true;
    private boolean alphabeticOnly = true;
    private double minSimilarity = -1;
    private int maxTokens = 300;
    private String softPromptText = DEFAULT_SOFT_PROMPT;
    private boolean trainSoftPrompt;
    private String passagePrefix = "Passage:";
    private String hintsText = "\nhints:";
    private String questionText = "\nQuestion:\n";
    private String queryPrefix = " ";
    private boolean residualMlp;
    private AttentionScore attentionScore = AttentionScore.DOT;
    private double attentionTemperature = 10;
    private AttentionInit attentionInit = AttentionInit.XAVIER;
    private HintSource hintSource = HintSource.PASSAGE;
    private boolean trainableQuerySide;
    private boolean resample;
    private boolean wrapHints;
    private Truncation truncation = Truncation.START;

    private Builder() {}

    public Builder setVariant(Variant variant) {
      this.variant = variant;
      return this;
    }

    public Builder optTopK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder optHeads(int heads) {
      this.heads = heads;
      return this;
    }

    public Builder optDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** Q-PEFT-R: skip English stop words when selecting hint tokens. */
    public Builder optStopWords(boolean stopWords) {
      this.stopWords = stopWords;
      return this;
    }

    /** Q-PEFT-R: skip tokens without a letter. */
    public Builder optAlphabeticOnly(boolean alphabeticOnly) {
      this.alphabeticOnly = alphabeticOnly;
      return this;
    }

    /** Q-PEFT-R: the least cosine similarity to a query token a hint token needs. */
    public Builder optMinSimilarity(double minSimilarity) {
      this.minSimilarity = minSimilarity;
      return this;
    }

    public Builder optMaxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    public Builder optSoftPromptText(String text) {
      this.softPromptText = text;
      return this;
    }

    public Builder optTrainSoftPrompt(boolean train) {
      this.trainSoftPrompt = train;
      return this;
    }

    /** The prompt's fixed texts: before the passage, before the hints, after the hints. */
    public Builder optTemplate(String passagePrefix, String hintsText, String questionText) {
      this.passagePrefix = passagePrefix;
      this.hintsText = hintsText;
      this.questionText = questionText;
      return this;
    }

    public Builder optQueryPrefix(String queryPrefix) {
      this.queryPrefix = queryPrefix;
      return this;
    }

    /** {@code x + MLP(x)} with the last layer starting at zero (see {@link #residualMlp()}). */
    public Builder optResidualMlp(boolean residual) {
      this.residualMlp = residual;
      return this;
    }

    public Builder optAttentionScore(AttentionScore score) {
      this.attentionScore = score;
      return this;
    }

    public Builder optAttentionTemperature(double tau) {
      this.attentionTemperature = tau;
      return this;
    }

    public Builder optAttentionInit(AttentionInit init) {
      this.attentionInit = init;
      return this;
    }

    public Builder optHintSource(HintSource source) {
      this.hintSource = source;
      return this;
    }

    public Builder optTrainableQuerySide(boolean trainable) {
      this.trainableQuerySide = trainable;
      return this;
    }

    public Builder optResample(boolean resample) {
      this.resample = resample;
      return this;
    }

    public Builder optWrapHints(boolean wrap) {
      this.wrapHints = wrap;
      return this;
    }

    public Builder optTruncation(Truncation truncation) {
      this.truncation = truncation;
      return this;
    }

    /** Validates and builds; a bad value fails naming the option and what is allowed. */
    public PeftConfig build() {
      return new PeftConfig(
          variant,
          topK,
          heads,
          dropout,
          stopWords,
          alphabeticOnly,
          minSimilarity,
          maxTokens,
          softPromptText,
          trainSoftPrompt,
          passagePrefix,
          hintsText,
          questionText,
          queryPrefix,
          residualMlp,
          attentionScore,
          attentionTemperature,
          attentionInit,
          hintSource,
          trainableQuerySide,
          resample,
          wrapHints,
          truncation);
    }
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }
}
