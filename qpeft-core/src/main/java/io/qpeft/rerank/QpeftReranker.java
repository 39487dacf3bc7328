package io.qpeft.rerank;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.Adapter;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftModel;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Q-PEFT reranking (arXiv 2404.04522): the frozen LM scores the query's mean token log-likelihood
 * with the adapter's soft prompt and query-dependent hints spliced into the prompt. Thread-safe:
 * the adapter's parameters are read-only and every call works in its own NDManager, without
 * gradients. Closing it does not close the model or tokenizer (they are shared).
 */
public final class QpeftReranker implements Reranker {
  private final PeftModel model;
  private final int batchTokens;

  public QpeftReranker(PeftModel model, int batchTokens) {
    if (batchTokens <= 0)
      throw new IllegalArgumentException("batch tokens must be positive, got " + batchTokens);
    this.model = model;
    this.batchTokens = batchTokens;
  }

  /**
   * Loads the adapter folder {@code adapterDir} for {@code lm}; fails if it was trained on another
   * base model.
   */
  public static QpeftReranker load(TransformerLm lm, TextTokenizer tokenizer, Path adapterDir) {
    return load(lm, tokenizer, adapterDir, null);
  }

  /**
   * As {@link #load(TransformerLm, TextTokenizer, Path)}; with the model's folder {@code modelDir}
   * the SHA-256 of its config.json must also match the one recorded in the adapter.
   */
  public static QpeftReranker load(
      TransformerLm lm, TextTokenizer tokenizer, Path adapterDir, Path modelDir) {
    Adapter.Loaded a = Adapter.load(adapterDir);
    a.baseModel().requireCompatible(BaseModel.of(lm.config(), modelDir), adapterDir);
    try {
      return new QpeftReranker(
          new PeftModel(lm, tokenizer, a.config(), a.parameters()), lm.defaultBatchTokens());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("adapter " + adapterDir + ": " + e.getMessage(), e);
    }
  }

  /** The same adapter scored in passes of at most {@code batchTokens} padded tokens. */
  public QpeftReranker withBatchTokens(int batchTokens) {
    return new QpeftReranker(model, batchTokens);
  }

  public PeftModel model() {
    return model;
  }

  @Override
  public double[] score(Query query, List<Passage> passages) {
    return scoreAll(List.of(query), List.of(passages)).get(0);
  }

  /** Scores every pair in token-budget batches across queries. */
  @Override
  public List<double[]> scoreAll(List<Query> queries, List<List<Passage>> passages) {
    Reranker.requireOneListPerQuery(queries, passages);
    List<PeftModel.Prepared> pairs = new ArrayList<>();
    for (int q = 0; q < queries.size(); q++) {
      for (Passage p : passages.get(q)) pairs.add(model.prepare(queries.get(q), p));
    }
    return Reranker.splitByQuery(model.score(pairs, batchTokens), passages);
  }

  @Override
  public void close() {}
}
