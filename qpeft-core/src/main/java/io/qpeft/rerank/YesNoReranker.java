package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.LanguageModel;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Pointwise yes/no reranking with an LLM reranker such as Qwen3-Reranker or bge-reranker-v2-gemma:
 * the model reads a prompt built from (instruction, query, passage) and the relevance score comes
 * from the logits of the answer tokens at the prompt's last position (see {@link YesNoTemplate}).
 * Only those one or two rows of the LM head are computed, never the full vocabulary.
 *
 * <p>Thread-safe; closing it closes the model and tokenizer only when it was built to own them.
 */
public final class YesNoReranker implements Reranker {
  private final LanguageModel model;
  private final TextTokenizer tokenizer;
  private final YesNoTemplate template;
  private final YesNoPrompt prompt;
  private final int[] answerIds;
  private final int batchTokens;
  private final boolean ownsModel;

  private YesNoReranker(Builder b) {
    this.model = Objects.requireNonNull(b.model, "setModel is required");
    this.tokenizer = Objects.requireNonNull(b.tokenizer, "setTokenizer is required");
    this.template = Objects.requireNonNull(b.template, "setTemplate is required");
    this.prompt =
        new YesNoPrompt(
            template, tokenizer, model.config().bosTokenId(), b.instruction, b.maxPassageTokens);
    this.answerIds = prompt.answerIds();
    for (int id : answerIds) {
      if (id >= model.config().vocabSize()) {
        throw new IllegalArgumentException(
            "answer token id "
                + id
                + " is outside the model's vocabulary [0, "
                + model.config().vocabSize()
                + ")");
      }
    }
    this.batchTokens = b.batchTokens > 0 ? b.batchTokens : model.defaultBatchTokens();
    this.ownsModel = b.ownsModel;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The prompt token ids for one pair, passage cut to the budget. */
  public int[] promptIds(Query query, Passage passage) {
    return prompt.ids(query, passage);
  }

  /** The answer token ids whose logits make the score: {@code [yes]} or {@code [yes, no]}. */
  public int[] answerIds() {
    return answerIds.clone();
  }

  public YesNoTemplate template() {
    return template;
  }

  /** The instruction in force (the given one or the template's default); null if none. */
  public String instruction() {
    return prompt.instruction();
  }

  /**
   * The score from the answer logits ({@code [yes]} or {@code [yes, no]}): the logit of "yes", or
   * the probability of "yes" under a softmax over the two, {@code 1 / (1 + exp(no - yes))}.
   */
  public static double score(float[] answerLogits) {
    if (answerLogits.length == 1) return answerLogits[0];
    return 1.0 / (1.0 + Math.exp((double) answerLogits[1] - answerLogits[0]));
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    return scoreAll(List.of(query), List.of(passages)).get(0);
  }

  /** Scores every pair in token-budget batches across queries. */
  @Override
  public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    Reranker.requireOneListPerQuery(queries, passages);
    List<int[]> prompts = new ArrayList<>();
    for (int q = 0; q < queries.size(); q++) {
      for (Passage p : passages.get(q)) prompts.add(prompt.ids(queries.get(q), p));
    }
    float[][] logits = model.lastPositionLogits(prompts, answerIds, batchTokens);
    double[] all = new double[logits.length];
    for (int i = 0; i < all.length; i++) all[i] = score(logits[i]);
    return Reranker.splitByQuery(all, passages);
  }

  public LanguageModel model() {
    return model;
  }

  @Override
  public void close() {
    if (ownsModel) {
      model.close();
      tokenizer.close();
    }
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private LanguageModel model;
    private TextTokenizer tokenizer;
    private YesNoTemplate template;
    private String instruction;
    private int maxPassageTokens = 300;
    private int batchTokens; // 0: the model's default
    private boolean ownsModel;

    public Builder setModel(LanguageModel model) {
      this.model = model;
      return this;
    }

    public Builder setTokenizer(TextTokenizer tokenizer) {
      this.tokenizer = tokenizer;
      return this;
    }

    /** The prompt and answer tokens: {@link YesNoTemplate#QWEN3_RERANKER}, a preset or custom. */
    public Builder setTemplate(YesNoTemplate template) {
      this.template = template;
      return this;
    }

    /**
     * Replaces the template's default instruction (the template must have {@code {instruction}}).
     */
    public Builder optInstruction(String instruction) {
      this.instruction = instruction;
      return this;
    }

    /** Passage tokens kept (its start); 0 keeps all. Default 300. */
    public Builder optMaxPassageTokens(int maxPassageTokens) {
      if (maxPassageTokens < 0) {
        throw new IllegalArgumentException(
            "max passage tokens must be >= 0, got " + maxPassageTokens);
      }
      this.maxPassageTokens = maxPassageTokens;
      return this;
    }

    /**
     * Padded tokens per forward pass (batch x longest sequence); default: the model's ({@link
     * LanguageModel#defaultBatchTokens()}).
     */
    public Builder optBatchTokens(int batchTokens) {
      if (batchTokens <= 0)
        throw new IllegalArgumentException("batch tokens must be positive, got " + batchTokens);
      this.batchTokens = batchTokens;
      return this;
    }

    /** Close the model and tokenizer when the reranker is closed. */
    public Builder optOwnsModel(boolean owns) {
      this.ownsModel = owns;
      return this;
    }

    public YesNoReranker build() {
      return new YesNoReranker(this);
    }
  }
}
