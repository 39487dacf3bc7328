package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.EngineOptions;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Zero-shot query-likelihood reranking (UPR): score(q, d) = mean (or sum) over the query's tokens
 * of log P(q_t | prompt(d), q_<t) under a frozen causal LM. Thread-safe; closing it closes the
 * model and tokenizer only when it was built to own them.
 */
public final class UprReranker implements Reranker {
  private final LanguageModel model;
  private final TextTokenizer tokenizer;
  private final PromptTemplate template;
  private final int maxPassageTokens;
  private final Aggregation aggregation;
  private final boolean ownsModel;
  private final int batchTokens;
  private final int[] prefixIds;
  private final int[] suffixIds;

  private UprReranker(Builder b) {
    this.model = Objects.requireNonNull(b.model, "setModel is required");
    this.tokenizer = Objects.requireNonNull(b.tokenizer, "setTokenizer is required");
    this.template = b.template;
    this.maxPassageTokens = b.maxPassageTokens;
    this.aggregation = b.aggregation;
    this.ownsModel = b.ownsModel;
    this.batchTokens = b.batchTokens > 0 ? b.batchTokens : model.defaultBatchTokens();
    int bos = model.config().bosTokenId();
    int[] prefix = tokenizer.encode(template.prefix());
    this.prefixIds = template.addBos() && bos >= 0 ? concat(new int[] {bos}, prefix) : prefix;
    this.suffixIds = tokenizer.encode(template.suffix());
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * UPR with the default template over the model folder {@code modelDir}, on the default device
   * ({@link EngineOptions#defaults()}); the reranker owns the model and tokenizer and closes them.
   */
  public static UprReranker open(Path modelDir) {
    return open(modelDir, EngineOptions.defaults());
  }

  /**
   * As {@link #open(Path)}, on the device and in the dtype {@code engine} selects, e.g. {@code
   * EngineOptions.builder().optDevice("cuda").optDType("f16").build()}.
   */
  public static UprReranker open(Path modelDir, EngineOptions engine) {
    TransformerLm lm = Models.load(modelDir, engine);
    try {
      return builder()
          .setModel(lm)
          .setTokenizer(TextTokenizer.load(modelDir))
          .optOwnsModel(true)
          .build();
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /** The prompt and target token ids for one pair, passage truncated to the budget. */
  public ScoreRequest request(Query query, Passage passage) {
    int[] passageIds = tokenizer.encode(template.renderPassage(passage));
    if (maxPassageTokens > 0 && passageIds.length > maxPassageTokens) {
      passageIds = Arrays.copyOf(passageIds, maxPassageTokens); // keep the start of the passage
    }
    int[] target = tokenizer.encode(template.renderTarget(query.text()));
    int eos = model.config().eosTokenId();
    if (template.addEos() && eos >= 0) target = concat(target, new int[] {eos});
    if (target.length == 0) {
      throw new IllegalArgumentException("query " + query.qid() + " has no tokens to score");
    }
    return new ScoreRequest(concat(concat(prefixIds, passageIds), suffixIds), target);
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    return scoreAll(List.of(query), List.of(passages)).get(0);
  }

  /** Scores every (query, passage) pair in one token-budget batched pass over the model. */
  @Override
  public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    Reranker.requireOneListPerQuery(queries, passages);
    List<ScoreRequest> requests = new ArrayList<>();
    for (int q = 0; q < queries.size(); q++) {
      for (Passage p : passages.get(q)) requests.add(request(queries.get(q), p));
    }
    List<TargetScore> scores = model.score(requests, batchTokens);
    double[] all = new double[scores.size()];
    for (int i = 0; i < all.length; i++) {
      TargetScore t = scores.get(i);
      all[i] = aggregation == Aggregation.MEAN ? t.meanLogprob() : t.sumLogprob();
    }
    return Reranker.splitByQuery(all, passages);
  }

  public LanguageModel model() {
    return model;
  }

  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public void close() {
    if (ownsModel) {
      model.close();
      tokenizer.close();
    }
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private LanguageModel model;
    private TextTokenizer tokenizer;
    private PromptTemplate template = PromptTemplate.UPR;
    private int maxPassageTokens = 300;
    private Aggregation aggregation = Aggregation.MEAN;
    private boolean ownsModel;
    private int batchTokens; // 0: the model's default

    public Builder setModel(LanguageModel model) {
      this.model = model;
      return this;
    }

    public Builder setTokenizer(TextTokenizer tokenizer) {
      this.tokenizer = tokenizer;
      return this;
    }

    public Builder optTemplate(PromptTemplate template) {
      this.template = Objects.requireNonNull(template, "template");
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

    public Builder optAggregation(Aggregation aggregation) {
      this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
      return this;
    }

    /** Close the model and tokenizer when the reranker is closed. */
    public Builder optOwnsModel(boolean owns) {
      this.ownsModel = owns;
      return this;
    }

    public UprReranker build() {
      return new UprReranker(this);
    }
  }
}
