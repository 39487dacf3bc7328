package io.qpeft.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Spring Boot properties {@code qpeft.rerank.*}: which reranker backs the {@link
 * QpeftDocumentPostProcessor}. Set {@code model} (a local reranker in this JVM) or {@code url} (a
 * running {@code qpeft serve}), not both. The names match {@code qpeft rerank} and {@code qpeft
 * serve} options.
 *
 * <pre>
 * qpeft.rerank.model=HuggingFaceTB/SmolLM2-135M   # folder or hub id (downloaded once)
 * qpeft.rerank.adapter=adapters/qpeft-r           # optional: a Q-PEFT adapter (method qpeft)
 * qpeft.rerank.top-n=5                            # documents kept (0: all, reordered)
 * # or, remote:
 * qpeft.rerank.url=http://127.0.0.1:8080          # qpeft serve (POST /v1/rerank)
 * qpeft.rerank.api-key=${QPEFT_TOKEN}             # its bearer token, if it has one
 * </pre>
 */
@ConfigurationProperties(prefix = "qpeft.rerank")
public class QpeftRerankProperties {
  /** Whether the auto-configuration creates anything (default true). */
  private boolean enabled = true;

  /** A model folder (Hugging Face layout) or hub id org/name[@revision], loaded in this JVM. */
  private String model;

  /** A Q-PEFT adapter folder trained by qpeft train (needs model). */
  private String adapter;

  /**
   * upr, qpeft, qwen3-reranker, bge-gemma or yesno; default: qpeft with an adapter, a known
   * reranker's own method, else upr.
   */
  private String method;

  /** Yes/no methods: the instruction (default: the model card's). */
  private String instruction;

  /** upr: the prompt with {passage}; yesno: the prompt with {query} and {passage}. */
  private String template;

  /** yesno: the answer token, or YES,NO. */
  private java.util.List<String> answerTokens;

  /** auto (default: the first GPU if the CUDA build sees one, else the CPU), cpu, cuda, cuda:N. */
  private String device = "auto";

  /** auto (default: F32 on the CPU, the checkpoint's half precision on a GPU), f32 or f16. */
  private String dtype = "auto";

  /** Padded tokens per forward pass (default 0: the model's, 2048 on the CPU). */
  private int batchTokens;

  /** Passage tokens kept for scoring, from its start (default 300). */
  private int maxPassageTokens = 300;

  /** A running qpeft serve: http://host:port or the full .../v1/rerank URL. */
  private String url;

  /** Bearer token of the remote service. */
  private String apiKey;

  /** Timeout of one remote request (default 60 s). */
  private Duration timeout = Duration.ofSeconds(60);

  /** Documents kept after reranking, best first (default 0: all). */
  private int topN;

  /** Metadata key holding a document's title (default "title"). */
  private String titleMetadataKey = "title";

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getModel() {
    return model;
  }

  public void setModel(String model) {
    this.model = model;
  }

  public String getAdapter() {
    return adapter;
  }

  public void setAdapter(String adapter) {
    this.adapter = adapter;
  }

  public String getMethod() {
    return method;
  }

  public void setMethod(String method) {
    this.method = method;
  }

  public String getInstruction() {
    return instruction;
  }

  public void setInstruction(String instruction) {
    this.instruction = instruction;
  }

  public String getTemplate() {
    return template;
  }

  public void setTemplate(String template) {
    this.template = template;
  }

  public java.util.List<String> getAnswerTokens() {
    return answerTokens;
  }

  public void setAnswerTokens(java.util.List<String> answerTokens) {
    this.answerTokens = answerTokens;
  }

  public String getDevice() {
    return device;
  }

  public void setDevice(String device) {
    this.device = device;
  }

  public String getDtype() {
    return dtype;
  }

  public void setDtype(String dtype) {
    this.dtype = dtype;
  }

  public int getBatchTokens() {
    return batchTokens;
  }

  public void setBatchTokens(int batchTokens) {
    this.batchTokens = batchTokens;
  }

  public int getMaxPassageTokens() {
    return maxPassageTokens;
  }

  public void setMaxPassageTokens(int maxPassageTokens) {
    this.maxPassageTokens = maxPassageTokens;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getApiKey() {
    return apiKey;
  }

  public void setApiKey(String apiKey) {
    this.apiKey = apiKey;
  }

  public Duration getTimeout() {
    return timeout;
  }

  public void setTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  public int getTopN() {
    return topN;
  }

  public void setTopN(int topN) {
    this.topN = topN;
  }

  public String getTitleMetadataKey() {
    return titleMetadataKey;
  }

  public void setTitleMetadataKey(String titleMetadataKey) {
    this.titleMetadataKey = titleMetadataKey;
  }
}
