package io.qpeft.spark;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.rerank.Aggregation;
import io.qpeft.rerank.PromptTemplate;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Which reranker to build on each executor: everything {@code qpeft rerank} takes to build one. It
 * is small and serializable (it travels with the tasks) and is the key under which an executor JVM
 * keeps its loaded reranker ({@link ExecutorRerankers}), so two jobs with equal specs share one
 * loaded model.
 *
 * @param model where executors find the model folder ({@link ModelLocation})
 * @param adapter where executors find a Q-PEFT adapter folder, or null for UPR
 * @param prompt the UPR prompt template (ignored with an adapter, which brings its own)
 * @param target the UPR target template
 * @param maxPassageTokens passage tokens kept (ignored with an adapter)
 * @param aggregation how query token log-likelihoods become a score (UPR)
 * @param batchTokens padded tokens per forward pass
 */
public record RerankerSpec(
    ModelLocation model,
    ModelLocation adapter,
    String prompt,
    String target,
    int maxPassageTokens,
    Aggregation aggregation,
    int batchTokens)
    implements Serializable {

  public RerankerSpec {
    Objects.requireNonNull(model, "setModel is required");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(aggregation, "aggregation");
    PromptTemplate.parse(prompt, target); // fails early, on the driver, on a bad template
    if (maxPassageTokens <= 0) {
      throw new IllegalArgumentException(
          "--max-passage-tokens must be positive, got " + maxPassageTokens);
    }
    if (batchTokens <= 0) {
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the model and builds the reranker, as {@code qpeft rerank} does: UPR with the template,
   * or the adapter's Q-PEFT reranker. The result owns the model and closes it.
   */
  Reranker open() {
    Path modelDir = model.resolve();
    TransformerLm lm = Models.load(modelDir);
    TextTokenizer tokenizer = null;
    try {
      tokenizer = TextTokenizer.load(modelDir);
      Reranker inner =
          adapter != null
              ? QpeftReranker.load(lm, tokenizer, adapter.resolve(), modelDir)
                  .withBatchTokens(batchTokens)
              : UprReranker.builder()
                  .setModel(lm)
                  .setTokenizer(tokenizer)
                  .optTemplate(PromptTemplate.parse(prompt, target))
                  .optMaxPassageTokens(maxPassageTokens)
                  .optAggregation(aggregation)
                  .optBatchTokens(batchTokens)
                  .build();
      return new Owning(inner, tokenizer, lm);
    } catch (RuntimeException e) {
      if (tokenizer != null) tokenizer.close();
      lm.close();
      throw e;
    }
  }

  /** A reranker that also closes the tokenizer and model it was built on. */
  private record Owning(Reranker inner, TextTokenizer tokenizer, TransformerLm lm)
      implements Reranker {
    @Override
    public double[] score(Query query, List<Passage> passages) {
      return inner.score(query, passages);
    }

    @Override
    public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
      return inner.scoreAll(queries, passages);
    }

    @Override
    public void close() {
      inner.close();
      tokenizer.close();
      lm.close();
    }
  }

  /** Builder: {@code setModel} is required, the rest default to {@code qpeft rerank}'s defaults. */
  public static final class Builder {
    private ModelLocation model;
    private ModelLocation adapter;
    private String prompt = "upr";
    private String target = PromptTemplate.UPR.target();
    private int maxPassageTokens = 300;
    private Aggregation aggregation = Aggregation.MEAN;
    private int batchTokens = LanguageModel.DEFAULT_BATCH_TOKENS;

    public Builder setModel(ModelLocation model) {
      this.model = model;
      return this;
    }

    /** A Q-PEFT adapter; its own template and passage budget replace the UPR ones. */
    public Builder optAdapter(ModelLocation adapter) {
      this.adapter = adapter;
      return this;
    }

    /** {@code "upr"} or a prompt with {@code {passage}}, {@code {title}}, {@code {text}}. */
    public Builder optPrompt(String prompt) {
      this.prompt = prompt;
      return this;
    }

    /** The scored text, with {@code {query}}. */
    public Builder optTarget(String target) {
      this.target = target;
      return this;
    }

    public Builder optMaxPassageTokens(int maxPassageTokens) {
      this.maxPassageTokens = maxPassageTokens;
      return this;
    }

    public Builder optAggregation(Aggregation aggregation) {
      this.aggregation = aggregation;
      return this;
    }

    public Builder optBatchTokens(int batchTokens) {
      this.batchTokens = batchTokens;
      return this;
    }

    public RerankerSpec build() {
      return new RerankerSpec(
          model, adapter, prompt, target, maxPassageTokens, aggregation, batchTokens);
    }
  }
}
