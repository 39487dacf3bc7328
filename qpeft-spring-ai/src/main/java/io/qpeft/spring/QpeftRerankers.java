package io.qpeft.spring;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.hub.DownloadListener;
import io.qpeft.hub.HubClient;
import io.qpeft.hub.HubModelId;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import io.qpeft.server.RemoteReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Builds the {@link Reranker} that {@code qpeft.rerank.*} describes: the one place where this
 * module turns options into a reranker (a local UPR or Q-PEFT reranker that owns its model, or a
 * {@link RemoteReranker}).
 */
public final class QpeftRerankers {
  /** Methods this module can build. */
  static final List<String> METHODS = List.of("upr", "qpeft");

  private QpeftRerankers() {}

  /** The reranker for {@code p}; the caller closes it (it closes the model it loaded). */
  public static Reranker open(QpeftRerankProperties p) {
    boolean remote = p.getUrl() != null && !p.getUrl().isBlank();
    boolean local = p.getModel() != null && !p.getModel().isBlank();
    if (remote && local)
      throw new IllegalArgumentException(
          "set qpeft.rerank.model (a local model) or qpeft.rerank.url (a qpeft serve), not both");
    if (remote) {
      if (p.getAdapter() != null || p.getMethod() != null)
        throw new IllegalArgumentException(
            "qpeft.rerank.adapter and qpeft.rerank.method configure a local model; with"
                + " qpeft.rerank.url they are the server's options (qpeft serve --adapter)");
      return RemoteReranker.builder()
          .setUrl(p.getUrl())
          .optToken(p.getApiKey())
          .optTimeout(p.getTimeout())
          .build();
    }
    if (!local)
      throw new IllegalArgumentException(
          "set qpeft.rerank.model (a model folder or hub id) or qpeft.rerank.url (a qpeft serve)");
    String device = p.getDevice() == null ? "auto" : p.getDevice().toLowerCase(Locale.ROOT);
    if (!device.equals("auto"))
      throw new IllegalArgumentException(
          "qpeft.rerank.device="
              + p.getDevice()
              + ": only 'auto' (the engine's default device) is"
              + " supported by this version");
    String method =
        p.getMethod() != null
            ? p.getMethod().toLowerCase(Locale.ROOT)
            : p.getAdapter() != null ? "qpeft" : "upr";
    if (!METHODS.contains(method))
      throw new IllegalArgumentException(
          "qpeft.rerank.method=" + p.getMethod() + " is not supported; methods: " + METHODS);
    if (method.equals("qpeft") != (p.getAdapter() != null))
      throw new IllegalArgumentException(
          method.equals("qpeft")
              ? "qpeft.rerank.method=qpeft needs qpeft.rerank.adapter (a folder from qpeft train)"
              : "qpeft.rerank.adapter is a Q-PEFT adapter: use method qpeft (or leave method unset)");
    if (p.getBatchTokens() <= 0)
      throw new IllegalArgumentException(
          "qpeft.rerank.batch-tokens must be positive, got " + p.getBatchTokens());
    if (p.getMaxPassageTokens() <= 0)
      throw new IllegalArgumentException(
          "qpeft.rerank.max-passage-tokens must be positive, got " + p.getMaxPassageTokens());
    Path dir = modelDir(p.getModel());
    TransformerLm lm = Models.load(dir);
    TextTokenizer tokenizer = null;
    try {
      tokenizer = TextTokenizer.load(dir);
      if (method.equals("upr")) {
        return UprReranker.builder()
            .setModel(lm)
            .setTokenizer(tokenizer)
            .optMaxPassageTokens(p.getMaxPassageTokens())
            .optBatchTokens(p.getBatchTokens())
            .optOwnsModel(true)
            .build();
      }
      return new Owning(
          QpeftReranker.load(lm, tokenizer, Path.of(p.getAdapter()), dir)
              .withBatchTokens(p.getBatchTokens()),
          lm,
          tokenizer);
    } catch (RuntimeException e) {
      if (tokenizer != null) tokenizer.close();
      lm.close();
      throw e;
    }
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

  /** A Q-PEFT reranker that closes the model and tokenizer it was loaded with. */
  private record Owning(Reranker inner, TransformerLm lm, TextTokenizer tokenizer)
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
      try (lm;
          tokenizer) {
        inner.close();
      }
    }
  }
}
