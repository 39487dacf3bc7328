package io.qpeft.spark;

import io.qpeft.model.EngineOptions;
import io.qpeft.rerank.Aggregation;
import io.qpeft.rerank.PromptTemplate;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Which reranker each executor builds: the method and options that {@code qpeft rerank} hands to
 * {@link RerankerFactory}, as plain serializable values (they travel with the tasks), plus where
 * executors find the model and adapter. It is also the key under which an executor JVM keeps its
 * loaded reranker ({@link ExecutorRerankers}), so jobs with equal specs share one loaded model.
 * Invalid combinations (an adapter without method qpeft, a yes/no template for upr, ...) fail when
 * the spec is built, on the driver, with the factory's messages.
 *
 * @param model where executors find the model folder
 * @param method the reranking method
 * @param adapter where executors find the Q-PEFT adapter (method qpeft); null otherwise
 * @param template upr: the prompt ("upr" or null = UPR's); yesno: the prompt with {query}; null
 * @param target upr: the scored text with {query}; null = UPR's
 * @param aggregation upr: mean or sum; null = mean
 * @param instruction yes/no methods: the instruction; null = the model card's
 * @param answerTokens yesno: YES or YES,NO; null otherwise
 * @param maxPassageTokens passage tokens kept
 * @param batchTokens padded tokens per forward pass; 0: the model's default on the executor's
 *     device (2048 on a CPU, from free memory on a GPU)
 * @param device {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}, on every executor
 * @param dtype {@code auto}, {@code f32} or {@code f16}
 */
public record RerankerSpec(
    ModelLocation model,
    RerankMethod method,
    ModelLocation adapter,
    String template,
    String target,
    Aggregation aggregation,
    String instruction,
    List<String> answerTokens,
    int maxPassageTokens,
    int batchTokens,
    String device,
    String dtype)
    implements Serializable {

  public RerankerSpec {
    Objects.requireNonNull(model, "setModel is required");
    Objects.requireNonNull(method, "method");
    answerTokens = answerTokens == null ? null : List.copyOf(answerTokens);
    if (maxPassageTokens <= 0) {
      throw new IllegalArgumentException(
          "--max-passage-tokens must be positive, got " + maxPassageTokens);
    }
    if (batchTokens < 0) {
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
    }
    EngineOptions.fromFlags(device, dtype); // refuses bad values on the driver
  }

  /** Checks the options with the factory, on the driver (the adapter need not be local). */
  RerankerSpec validated() {
    factory(adapter == null ? null : Path.of(adapter.value()));
    return this;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The factory these options describe, with the adapter at {@code adapterDir}. */
  RerankerFactory factory(Path adapterDir) {
    RerankerFactory.Builder b =
        RerankerFactory.builder()
            .setMethod(method)
            .optAdapter(adapterDir)
            .optInstruction(instruction)
            .optAnswerTokens(answerTokens)
            .optMaxPassageTokens(maxPassageTokens)
            .optBatchTokens(batchTokens)
            .optEngine(EngineOptions.fromFlags(device, dtype));
    if (method.isYesNo()) {
      if (target != null) {
        throw new IllegalArgumentException(
            "--target-template applies to method upr, not " + method);
      }
      if (template != null) b.optYesNoTemplate(template);
    } else if (template != null || target != null) {
      b.optPromptTemplate(
          PromptTemplate.of(
              template == null || template.equalsIgnoreCase("upr")
                  ? PromptTemplate.UPR.prompt()
                  : template,
              target == null ? PromptTemplate.UPR.target() : target));
    }
    if (aggregation != null) b.optAggregation(aggregation);
    return b.build();
  }

  /** Loads the model (and adapter) where this executor finds them; the result owns the model. */
  Reranker open() {
    return factory(adapter == null ? null : adapter.resolve()).open(model.resolve());
  }

  /** Builder: {@code setModel} is required; the rest default as in {@code qpeft rerank}. */
  public static final class Builder {
    private ModelLocation model;
    private RerankMethod method;
    private ModelLocation adapter;
    private String template;
    private String target;
    private Aggregation aggregation;
    private String instruction;
    private List<String> answerTokens;
    private int maxPassageTokens = 300;
    private int batchTokens; // 0: the model's default
    private String device = "auto";
    private String dtype = "auto";

    public Builder setModel(ModelLocation model) {
      this.model = model;
      return this;
    }

    /** The method (default: qpeft with an adapter, else upr). */
    public Builder optMethod(RerankMethod method) {
      this.method = method;
      return this;
    }

    public Builder optAdapter(ModelLocation adapter) {
      this.adapter = adapter;
      return this;
    }

    public Builder optTemplate(String template) {
      this.template = template;
      return this;
    }

    public Builder optTarget(String target) {
      this.target = target;
      return this;
    }

    public Builder optAggregation(Aggregation aggregation) {
      this.aggregation = aggregation;
      return this;
    }

    public Builder optInstruction(String instruction) {
      this.instruction = instruction;
      return this;
    }

    public Builder optAnswerTokens(List<String> answerTokens) {
      this.answerTokens = answerTokens;
      return this;
    }

    public Builder optMaxPassageTokens(int maxPassageTokens) {
      this.maxPassageTokens = maxPassageTokens;
      return this;
    }

    /** Padded tokens per forward pass; 0 (the default): the model's on the executor's device. */
    public Builder optBatchTokens(int batchTokens) {
      this.batchTokens = batchTokens;
      return this;
    }

    /** Where executors run the model: auto (default), cpu, cuda or cuda:N. */
    public Builder optDevice(String device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

    /** The weights' dtype on executors: auto (default), f32 or f16. */
    public Builder optDType(String dtype) {
      this.dtype = Objects.requireNonNull(dtype, "dtype");
      return this;
    }

    public RerankerSpec build() {
      RerankMethod m =
          method != null ? method : adapter != null ? RerankMethod.QPEFT : RerankMethod.UPR;
      return new RerankerSpec(
              model,
              m,
              adapter,
              template,
              target,
              aggregation,
              instruction,
              answerTokens,
              maxPassageTokens,
              batchTokens,
              device,
              dtype)
          .validated();
    }
  }
}
