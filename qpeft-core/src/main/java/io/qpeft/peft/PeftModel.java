package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Batching;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.SoftSegment;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A frozen LM plus an adapter: builds the Q-PEFT input of a (query, passage) pair and computes the
 * query's mean token log-likelihood, differentiably with respect to the adapter's parameters.
 *
 * <pre>
 *   prompt = &lt;bos&gt; [soft prompt] Passage: {title} {text}\nhints: [hints]\nQuestion:\n
 *   target = &lt;bos&gt; {query} &lt;eos&gt;        score = mean_t log P(target_t | prompt, target_&lt;t)
 * </pre>
 *
 * The passage is cut (its start kept) so the whole sequence fits {@code maxTokens}; the query is
 * never cut. Without a QD module the {@code hints:} text is left out. Thread-safe for scoring.
 */
public final class PeftModel {
  /**
   * A pair laid out for the LM: the request (soft vectors are placeholders) and the module's input.
   */
  public record Prepared(
      ScoreRequest request,
      QueryDependentModule.Input input,
      int softPromptLength,
      int hintCount) {}

  private final TransformerLm lm;
  private final TextTokenizer tokenizer;
  private final PeftConfig config;
  private final ParameterSet params;
  private final QueryDependentModule module;
  private final int[] bos;
  private final int[] passagePrefixIds;
  private final int[] hintsIds;
  private final int[] questionIds;
  private final int[] newlineIds; // closes the hint segment with wrapHints

  public PeftModel(
      TransformerLm lm, TextTokenizer tokenizer, PeftConfig config, ParameterSet params) {
    this.lm = lm;
    this.tokenizer = tokenizer;
    this.config = config;
    this.params = params;
    this.module = createModule(lm, tokenizer, config, params);
    int b = lm.config().bosTokenId();
    this.bos = b >= 0 ? new int[] {b} : new int[0];
    this.passagePrefixIds = tokenizer.encode(config.passagePrefix());
    this.hintsIds = module == null ? new int[0] : tokenizer.encode(config.hintsText());
    this.questionIds = tokenizer.encode(config.questionText());
    this.newlineIds = module == null || !config.wrapHints() ? new int[0] : tokenizer.encode("\n");
    for (String name :
        module == null ? List.of(ParameterSet.SOFT_PROMPT) : module.parameterNames()) {
      params.get(name); // fails early, naming the missing tensor
    }
  }

  /**
   * Fresh parameters for {@code config}: the embedding copy (modules only), the module's weights
   * (seeded) and the soft prompt, the input embeddings of {@link PeftConfig#softPromptText()}.
   */
  public static ParameterSet initialParameters(
      TransformerLm lm, TextTokenizer tokenizer, PeftConfig config, long seed) {
    ParameterSet p = new ParameterSet();
    int d = lm.config().hiddenSize();
    int[] promptIds = tokenizer.encode(config.softPromptText());
    if (promptIds.length == 0)
      throw new IllegalArgumentException("the soft prompt text has no tokens");
    try (NDManager m = lm.newManager()) {
      NDArray rows = lm.tokenEmbeddings(m, promptIds); // the text's input rows, scaled as fed
      p.put(
          ParameterSet.SOFT_PROMPT,
          new Tensor(
              new int[] {promptIds.length, d}, rows.toType(DataType.FLOAT32, false).toFloatArray()),
          config.trainSoftPrompt());
      if (config.variant().hasModule()) {
        // The copy holds the rows as the model is fed them (Gemma scales by sqrt(hidden)), in F32
        // whatever the frozen model's dtype.
        float[] table = lm.inputEmbeddings().toType(DataType.FLOAT32, false).toFloatArray();
        float scale = lm.inputEmbeddingScale();
        if (scale != 1f) {
          for (int i = 0; i < table.length; i++) table[i] *= scale;
        }
        p.put(
            ParameterSet.EMBEDDING,
            new Tensor(new int[] {lm.config().vocabSize(), d}, table),
            true);
      }
    }
    QueryDependentModule module = createModule(lm, tokenizer, config, null);
    if (module != null) {
      for (Map.Entry<String, Tensor> e : module.initialParameters(d, new Rng(seed)).entrySet()) {
        p.put(e.getKey(), e.getValue(), true);
      }
    }
    return p;
  }

  private static QueryDependentModule createModule(
      TransformerLm lm, TextTokenizer tokenizer, PeftConfig config, ParameterSet params) {
    TokenFilter filter = new TokenFilter(tokenizer, lm.config());
    return switch (config.variant()) {
      case RETRIEVAL -> new RetrievalModule(lm, filter, config, params);
      case ATTENTION -> new AttentionModule(lm, filter, config);
      case PROMPT, INSTRUCTION -> null;
    };
  }

  public TransformerLm lm() {
    return lm;
  }

  public PeftConfig config() {
    return config;
  }

  public ParameterSet parameters() {
    return params;
  }

  /**
   * Lays out one pair: token ids, the passage cut to the budget, soft segments, the module's input.
   */
  public Prepared prepare(Query query, Passage passage) {
    int[] queryIds = tokenizer.encode(config.queryPrefix() + query.text());
    int eos = lm.config().eosTokenId();
    int[] target = concat(bos, queryIds, eos >= 0 ? new int[] {eos} : new int[0]);
    int softLength = params.get(ParameterSet.SOFT_PROMPT).shape()[0];
    int hintBound =
        module == null
            ? 0
            : config.variant() == Variant.RETRIEVAL ? config.topK() : queryIds.length;
    int fixed =
        bos.length
            + softLength
            + passagePrefixIds.length
            + hintsIds.length
            + hintBound
            + newlineIds.length
            + questionIds.length
            + target.length;
    String joined =
        passage.title().isEmpty() ? passage.text() : passage.title() + " " + passage.text();
    int[] passageIds = tokenizer.encode(" " + joined);
    int budget = Math.max(0, config.maxTokens() - fixed);
    if (passageIds.length > budget) {
      passageIds =
          config.truncation() == Truncation.END
              ? Arrays.copyOfRange(passageIds, passageIds.length - budget, passageIds.length)
              : Arrays.copyOf(passageIds, budget);
    }
    int[] source =
        config.hintSource() == HintSource.PROMPT
            ? concat(passagePrefixIds, passageIds, questionIds)
            : passageIds;
    QueryDependentModule.Input input = module == null ? null : module.prepare(queryIds, source);
    int hints = module == null ? 0 : module.hintCount(input);
    if (hints > 0 && config.wrapHints()) hints += hintsIds.length + newlineIds.length;
    int[] beforeHints =
        config.wrapHints()
            ? concat(bos, passagePrefixIds, passageIds)
            : concat(bos, passagePrefixIds, passageIds, hintsIds);
    int[] prompt = concat(beforeHints, questionIds);
    int d = lm.config().hiddenSize();
    List<SoftSegment> segments = new ArrayList<>();
    segments.add(new SoftSegment(bos.length, new float[softLength * d], softLength));
    if (hints > 0) segments.add(new SoftSegment(beforeHints.length, new float[hints * d], hints));
    return new Prepared(new ScoreRequest(prompt, target, segments), input, softLength, hints);
  }

  /** Learnable-embedding rows the pairs' hints read. */
  public int[] embeddingRows(List<Prepared> pairs) {
    if (module == null) return new int[0];
    return java.util.stream.IntStream.concat(
            pairs.stream().flatMapToInt(p -> Arrays.stream(module.embeddingRows(p.input()))),
            Arrays.stream(wrapperIds()))
        .distinct()
        .toArray();
  }

  /**
   * Mean target log-likelihood of each pair {@code (pairs.size())}, differentiable with respect to
   * the parameters bound in {@code b} (bind with {@link #embeddingRows}). {@code dropout} is the
   * training stream, {@code null} at inference.
   */
  public NDArray meanLogprobs(Binding b, List<Prepared> pairs, Rng dropout) {
    NDManager m = b.manager();
    List<NDArray> rows = new ArrayList<>();
    NDArray softPrompt = b.get(ParameterSet.SOFT_PROMPT); // (s, d)
    List<ScoreRequest> requests = new ArrayList<>(pairs.size());
    for (Prepared p : pairs) {
      requests.add(p.request());
      rows.add(softPrompt);
      if (p.hintCount() > 0) rows.add(hints(b, p, dropout)); // (hints, d)
    }
    NDArray soft = NDArrays.concat(new NDList(rows), 0); // (all soft vectors, d)
    NDArray lp = lm.targetLogprobs(m, requests, soft, b.withGradient()); // (all target tokens)
    // Per-pair mean as one matrix product: W[i, t] = 1 / |target_i| on pair i's tokens.
    int total = (int) lp.getShape().get(0);
    float[] w = new float[pairs.size() * total];
    int at = 0;
    for (int i = 0; i < pairs.size(); i++) {
      int n = pairs.get(i).request().targetIds().length;
      Arrays.fill(w, i * total + at, i * total + at + n, 1f / n);
      at += n;
    }
    return m.create(w, new Shape(pairs.size(), total))
        .matMul(lp.reshape(total, 1))
        .reshape(pairs.size());
  }

  /** Rows of the trainable copy that wrap the hints ({@link PeftConfig#wrapHints()}), or none. */
  private int[] wrapperIds() {
    return config.wrapHints() ? concat(hintsIds, newlineIds) : new int[0];
  }

  /**
   * One pair's hint segment {@code (hintCount, d)}: the module's hints, with the wrapper words'
   * trainable rows through the MLP around them when {@link PeftConfig#wrapHints()}.
   */
  private NDArray hints(Binding b, Prepared p, Rng dropout) {
    NDArray h = module.hints(b, p.input(), dropout);
    if (!config.wrapHints()) return h;
    NDArray before = Mlp.forward(b, b.embed(hintsIds), config.residualMlp());
    NDArray after = Mlp.forward(b, b.embed(newlineIds), config.residualMlp());
    return NDArrays.concat(new NDList(before, h, after), 0);
  }

  /**
   * Whether parameter {@code name} decides where hints look rather than what they carry (see {@link
   * QueryDependentModule#isMatching}).
   */
  public boolean isMatching(String name) {
    return module != null && module.isMatching(name);
  }

  /**
   * One pair's hint vectors {@code (hintCount, hidden)}, row-major, without gradient or dropout.
   */
  public float[] hintVectors(Prepared p) {
    if (p.hintCount() == 0) return new float[0];
    try (NDManager m = lm.inputEmbeddings().getManager().getEngine().newBaseManager()) {
      Binding b = new Binding(m, params, embeddingRows(List.of(p)), false);
      return hints(b, p, null).toFloatArray();
    }
  }

  /**
   * One pair's attention weights {@code (heads, query tokens, passage keys)}, row-major; {@code
   * null} when the module does not attend or the passage has no keys. The keys are {@code
   * p.input().passageIds()}.
   */
  public float[] attentionWeights(Prepared p) {
    if (module == null || p.input().passageIds().length == 0) return null;
    try (NDManager m = lm.inputEmbeddings().getManager().getEngine().newBaseManager()) {
      Binding b = new Binding(m, params, module.embeddingRows(p.input()), false);
      NDArray a = module.attention(b, p.input());
      return a == null ? null : a.toFloatArray();
    }
  }

  /**
   * Scores without gradient, in passes of at most {@code batchTokens} padded tokens, input order.
   */
  public double[] score(List<Prepared> pairs, int batchTokens) {
    double[] out = new double[pairs.size()];
    List<ScoreRequest> requests = pairs.stream().map(Prepared::request).toList();
    for (int[] batch : Batching.plan(requests, batchTokens)) {
      List<Prepared> part = new ArrayList<>(batch.length);
      for (int i : batch) part.add(pairs.get(i));
      try (NDManager m = lm.newManager()) {
        Binding b = new Binding(m, params, embeddingRows(part), false);
        float[] s = meanLogprobs(b, part, null).toFloatArray();
        for (int k = 0; k < batch.length; k++) out[batch[k]] = s[k];
      }
    }
    return out;
  }

  static int[] concat(int[]... parts) {
    int n = 0;
    for (int[] p : parts) n += p.length;
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
