package io.qpeft.rerank;

import io.qpeft.model.EngineOptions;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one way to build a {@link Reranker} from a method name and its options: the command line, the
 * HTTP server, the library and LangChain4j all go through it. Options that do not apply to the
 * chosen method are refused rather than silently ignored.
 *
 * <pre>{@code
 * RerankerFactory f = RerankerFactory.builder().setMethod(RerankMethod.QWEN3_RERANKER).build();
 * try (Reranker r = f.open(modelDir)) { ... }
 * }</pre>
 */
public final class RerankerFactory {
  private final RerankMethod method;
  private final Path adapter;
  private final String instruction;
  private final PromptTemplate uprTemplate;
  private final Aggregation aggregation;
  private final YesNoTemplate yesNoTemplate;
  private final int maxPassageTokens;
  private final int batchTokens;
  private final EngineOptions engine;

  private RerankerFactory(Builder b) {
    this.method = b.method;
    this.adapter = b.adapter;
    this.instruction = b.instruction;
    this.maxPassageTokens = b.maxPassageTokens;
    this.batchTokens = b.batchTokens;
    this.engine = b.engine;
    boolean upr = method == RerankMethod.UPR;
    if (method == RerankMethod.QPEFT && adapter == null) {
      throw new IllegalArgumentException("method qpeft needs an adapter folder (from qpeft train)");
    }
    if (method != RerankMethod.QPEFT && adapter != null) {
      throw new IllegalArgumentException(
          "an adapter is a Q-PEFT adapter: it goes with method qpeft, not " + method);
    }
    if (!upr && (b.uprTemplate != null || b.aggregation != null)) {
      throw new IllegalArgumentException(
          "a query-likelihood prompt template and aggregation apply to method upr, not " + method);
    }
    if (!method.isYesNo() && instruction != null) {
      throw new IllegalArgumentException(
          "an instruction applies to methods qwen3-reranker, bge-gemma and yesno, not " + method);
    }
    this.uprTemplate = b.uprTemplate != null ? b.uprTemplate : PromptTemplate.UPR;
    this.aggregation = b.aggregation != null ? b.aggregation : Aggregation.MEAN;
    this.yesNoTemplate = yesNoTemplate(method, b.yesNoTemplate, b.answerTokens);
  }

  private static YesNoTemplate yesNoTemplate(
      RerankMethod method, String template, List<String> answers) {
    if (method.preset() != null) {
      if (template != null || answers != null) {
        throw new IllegalArgumentException(
            "method "
                + method
                + " has the model card's prompt and answer tokens; for your own, use method yesno");
      }
      return method.preset();
    }
    if (method != RerankMethod.YESNO) {
      if (answers != null || template != null) {
        throw new IllegalArgumentException(
            "a yes/no template and answer tokens apply to method yesno, not " + method);
      }
      return null;
    }
    if (template == null) {
      throw new IllegalArgumentException(
          "method yesno needs a template with {query} and {passage} (or {title}, {text})");
    }
    if (answers == null || answers.isEmpty() || answers.size() > 2) {
      throw new IllegalArgumentException(
          "method yesno needs one or two answer tokens (YES or YES,NO), got "
              + (answers == null ? "none" : answers));
    }
    return YesNoTemplate.custom(
        template, answers.get(0), answers.size() > 1 ? answers.get(1) : null);
  }

  public static Builder builder() {
    return new Builder();
  }

  public RerankMethod method() {
    return method;
  }

  /**
   * A reranker over an already loaded model and tokenizer, which it does not own (closing it leaves
   * them open). {@code modelDir} is the model's folder: a Q-PEFT adapter must have been trained on
   * the same config.json.
   */
  public Reranker create(TransformerLm lm, TextTokenizer tokenizer, Path modelDir) {
    return switch (method) {
      case UPR -> uprReranker(lm, tokenizer);
      case QPEFT -> {
        QpeftReranker q = QpeftReranker.load(lm, tokenizer, adapter, modelDir);
        yield batchTokens > 0 ? q.withBatchTokens(batchTokens) : q;
      }
      case QWEN3_RERANKER, BGE_GEMMA, YESNO -> yesNoReranker(lm, tokenizer);
    };
  }

  /**
   * Loads the model and tokenizer of {@code modelDir} (on the device and in the dtype of {@link
   * Builder#optEngine}) and builds the reranker over them; closing the reranker closes them.
   */
  public Reranker open(Path modelDir) {
    TransformerLm lm = Models.load(modelDir, engine);
    TextTokenizer tokenizer = null;
    try {
      tokenizer = TextTokenizer.load(modelDir);
      return new ClosingReranker(create(lm, tokenizer, modelDir), tokenizer, lm);
    } catch (RuntimeException e) {
      if (tokenizer != null) tokenizer.close();
      lm.close();
      throw e;
    }
  }

  private UprReranker uprReranker(LanguageModel lm, TextTokenizer tokenizer) {
    UprReranker.Builder b =
        UprReranker.builder()
            .setModel(lm)
            .setTokenizer(tokenizer)
            .optTemplate(uprTemplate)
            .optMaxPassageTokens(maxPassageTokens)
            .optAggregation(aggregation);
    if (batchTokens > 0) b.optBatchTokens(batchTokens); // else the model's default
    return b.build();
  }

  private YesNoReranker yesNoReranker(LanguageModel lm, TextTokenizer tokenizer) {
    YesNoReranker.Builder b =
        YesNoReranker.builder()
            .setModel(lm)
            .setTokenizer(tokenizer)
            .setTemplate(yesNoTemplate)
            .optInstruction(instruction)
            .optMaxPassageTokens(maxPassageTokens);
    if (batchTokens > 0) b.optBatchTokens(batchTokens); // else the model's default
    return b.build();
  }

  /**
   * What decides the scores, as plain values (for a run's settings record): a resumed run must use
   * the same ones.
   */
  public Map<String, Object> settings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("method", method.id());
    switch (method) {
      case UPR -> {
        s.put("template", uprTemplate.prompt());
        s.put("target_template", uprTemplate.target());
        s.put("max_passage_tokens", maxPassageTokens);
        s.put("aggregation", aggregation.name().toLowerCase(java.util.Locale.ROOT));
      }
      case QPEFT -> s.put("adapter", adapter.toAbsolutePath().normalize().toString());
      case QWEN3_RERANKER, BGE_GEMMA, YESNO -> {
        s.put("template", String.join("", yesNoTemplate.parts()));
        s.put(
            "instruction",
            instruction != null || !yesNoTemplate.usesInstruction()
                ? instruction
                : yesNoTemplate.defaultInstruction());
        s.put(
            "answer_tokens",
            yesNoTemplate.no() == null
                ? List.of(yesNoTemplate.yes())
                : List.of(yesNoTemplate.yes(), yesNoTemplate.no()));
        s.put("max_passage_tokens", maxPassageTokens);
      }
    }
    return s;
  }

  /** Builder: {@code setX} for required parts, {@code optX} for optional ones. */
  public static final class Builder {
    private RerankMethod method = RerankMethod.UPR;
    private Path adapter;
    private String instruction;
    private PromptTemplate uprTemplate;
    private Aggregation aggregation;
    private String yesNoTemplate;
    private List<String> answerTokens;
    private int maxPassageTokens = 300;
    private int batchTokens; // 0: the model's default
    private EngineOptions engine = EngineOptions.defaults();

    private Builder() {}

    /** The method (default {@link RerankMethod#UPR}). */
    public Builder setMethod(RerankMethod method) {
      this.method = Objects.requireNonNull(method, "method");
      return this;
    }

    /** The Q-PEFT adapter folder (method qpeft). */
    public Builder optAdapter(Path adapter) {
      this.adapter = adapter;
      return this;
    }

    /** The instruction of a yes/no method, replacing its default (the model card's). */
    public Builder optInstruction(String instruction) {
      this.instruction = instruction;
      return this;
    }

    /** UPR's prompt and target (default {@link PromptTemplate#UPR}). */
    public Builder optPromptTemplate(PromptTemplate template) {
      this.uprTemplate = template;
      return this;
    }

    /** How UPR turns query token log-likelihoods into a score (default mean). */
    public Builder optAggregation(Aggregation aggregation) {
      this.aggregation = aggregation;
      return this;
    }

    /**
     * Method yesno: the prompt with {@code {query}}, {@code {passage}} (or {@code {title}}, {@code
     * {text}}) and optionally {@code {instruction}}, tokenized as one piece (see {@link
     * YesNoTemplate#custom}).
     */
    public Builder optYesNoTemplate(String template) {
      this.yesNoTemplate = template;
      return this;
    }

    /**
     * Method yesno: the answer tokens, {@code [yes]} (score = its logit) or {@code [yes, no]}
     * (score = probability of yes over the two); each must be one token.
     */
    public Builder optAnswerTokens(List<String> answerTokens) {
      this.answerTokens = answerTokens == null ? null : List.copyOf(answerTokens);
      return this;
    }

    /** Passage tokens kept, its start (default 300; 0 keeps all). Q-PEFT uses its adapter's. */
    public Builder optMaxPassageTokens(int maxPassageTokens) {
      if (maxPassageTokens < 0) {
        throw new IllegalArgumentException(
            "max passage tokens must be >= 0, got " + maxPassageTokens);
      }
      this.maxPassageTokens = maxPassageTokens;
      return this;
    }

    /**
     * Padded tokens per forward pass; 0 (the default) takes the model's ({@link
     * LanguageModel#defaultBatchTokens()}: 2048 on the CPU, from free memory on a GPU).
     */
    public Builder optBatchTokens(int batchTokens) {
      if (batchTokens < 0) {
        throw new IllegalArgumentException(
            "batch tokens must be positive (or 0 for the model's default), got " + batchTokens);
      }
      this.batchTokens = batchTokens;
      return this;
    }

    /** The device and dtype {@link #open} loads the model with (default: auto, auto). */
    public Builder optEngine(EngineOptions engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    public RerankerFactory build() {
      return new RerankerFactory(this);
    }
  }
}
