package io.qpeft.spring;

import io.qpeft.hub.DownloadListener;
import io.qpeft.hub.HubClient;
import io.qpeft.hub.HubModelId;
import io.qpeft.model.EngineBuild;
import io.qpeft.model.EngineOptions;
import io.qpeft.rerank.KnownRerankers;
import io.qpeft.rerank.PromptTemplate;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.server.RemoteReranker;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the {@link Reranker} that {@code qpeft.rerank.*} describes: a local one through the
 * project's {@link RerankerFactory} (any method: UPR, Q-PEFT, the yes/no rerankers; it owns and
 * closes its model), or a {@link RemoteReranker}.
 */
public final class QpeftRerankers {
  private QpeftRerankers() {}

  /** The reranker for {@code p}; the caller closes it (it closes the model it loaded). */
  public static Reranker open(QpeftRerankProperties p) {
    boolean remote = p.getUrl() != null && !p.getUrl().isBlank();
    boolean local = p.getModel() != null && !p.getModel().isBlank();
    if (remote && local)
      throw new IllegalArgumentException(
          "set qpeft.rerank.model (a local model) or qpeft.rerank.url (a qpeft serve), not both");
    if (remote) {
      if (p.getAdapter() != null
          || p.getMethod() != null
          || p.getInstruction() != null
          || p.getTemplate() != null
          || p.getAnswerTokens() != null)
        throw new IllegalArgumentException(
            "qpeft.rerank.adapter, method, instruction, template and answer-tokens configure a local"
                + " model; with qpeft.rerank.url they are the server's options (qpeft serve"
                + " --method ... --adapter ...)");
      return RemoteReranker.builder()
          .setUrl(p.getUrl())
          .optToken(p.getApiKey())
          .optTimeout(p.getTimeout())
          .build();
    }
    if (!local)
      throw new IllegalArgumentException(
          "set qpeft.rerank.model (a model folder or hub id) or qpeft.rerank.url (a qpeft serve)");
    EngineOptions engine = engine(p);
    if (p.getMaxPassageTokens() <= 0)
      throw new IllegalArgumentException(
          "qpeft.rerank.max-passage-tokens must be positive, got " + p.getMaxPassageTokens());
    Path dir = modelDir(p.getModel());
    RerankerFactory factory;
    try {
      factory = factory(p, dir, engine);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("qpeft.rerank: " + e.getMessage());
    }
    return factory.open(dir);
  }

  /**
   * {@code qpeft.rerank.device} and {@code dtype}, checked against this JVM's engine build now, so
   * that a device that cannot be had fails at start-up naming the property.
   */
  static EngineOptions engine(QpeftRerankProperties p) {
    String device = p.getDevice() == null ? "auto" : p.getDevice();
    try {
      EngineOptions engine =
          EngineOptions.builder()
              .optDevice(device)
              .optDType(p.getDtype() == null ? "auto" : p.getDtype())
              .build();
      engine.place(EngineBuild.detect());
      return engine;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "qpeft.rerank.device=" + device + ", dtype=" + p.getDtype() + ": " + e.getMessage());
    }
  }

  /** The project's factory for these properties (validates the method's options). */
  static RerankerFactory factory(QpeftRerankProperties p, Path dir, EngineOptions engine) {
    RerankMethod method = method(p, dir);
    RerankerFactory.Builder b =
        RerankerFactory.builder()
            .setMethod(method)
            .optAdapter(p.getAdapter() == null ? null : Path.of(p.getAdapter()))
            .optInstruction(p.getInstruction())
            .optAnswerTokens(p.getAnswerTokens())
            .optMaxPassageTokens(p.getMaxPassageTokens())
            .optBatchTokens(p.getBatchTokens())
            .optEngine(engine);
    if (p.getTemplate() != null) {
      if (method.isYesNo()) b.optYesNoTemplate(p.getTemplate());
      else b.optPromptTemplate(PromptTemplate.of(p.getTemplate(), " {query}"));
    }
    return b.build();
  }

  /**
   * {@code qpeft.rerank.method}; without it qpeft when an adapter is set, else the method of a
   * known reranker (Qwen3-Reranker, bge-reranker-v2-gemma) named by the model, else upr: as {@code
   * qpeft rerank} chooses.
   */
  static RerankMethod method(QpeftRerankProperties p, Path dir) {
    if (p.getMethod() != null) return RerankMethod.parse(p.getMethod());
    if (p.getAdapter() != null) return RerankMethod.QPEFT;
    return KnownRerankers.detect(p.getModel(), dir)
        .map(KnownRerankers.Match::method)
        .orElse(RerankMethod.UPR);
  }

  /** A folder as it is; a hub id through the huggingface_hub cache (downloaded once). */
  static Path modelDir(String model) {
    Path p = Path.of(model);
    if (Files.isDirectory(p)) return p;
    if (!HubModelId.looksLikeHubId(model))
      throw new IllegalArgumentException(
          "qpeft.rerank.model="
              + model
              + ": no such folder, and not a hub id (org/name[@revision])");
    return HubClient.fromEnvironment().download(HubModelId.parse(model), DownloadListener.NONE);
  }
}
