package io.qpeft.spring;

import io.qpeft.data.Passage;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.document.Document;
import org.springframework.ai.rag.Query;
import org.springframework.ai.rag.postretrieval.document.DocumentPostProcessor;

/**
 * A Spring AI RAG {@link DocumentPostProcessor} (the post-retrieval hook of {@code
 * RetrievalAugmentationAdvisor}) that reranks the retrieved documents with a qpeft {@link
 * Reranker}: UPR, a Q-PEFT adapter, or a remote {@code qpeft serve} ({@code
 * io.qpeft.server.RemoteReranker}).
 *
 * <p>The documents come back best first, cut to {@code topN} (0 keeps all), each with its {@link
 * Document#getScore() score} set to the reranker's score (for UPR the mean log-likelihood of the
 * query: negative, higher is more relevant); ties keep the retrieved order. A document's title is
 * read from its metadata key {@code title} (configurable); documents without text (media) are
 * refused. The post-processor does not own the reranker: closing it is the caller's (or Spring's)
 * job.
 */
public final class QpeftDocumentPostProcessor implements DocumentPostProcessor {
  private final Reranker reranker;
  private final int topN;
  private final String titleMetadataKey;

  private QpeftDocumentPostProcessor(Builder b) {
    this.reranker = Objects.requireNonNull(b.reranker, "setReranker is required");
    if (b.topN < 0)
      throw new IllegalArgumentException("topN must be >= 0 (0 = all), got " + b.topN);
    this.topN = b.topN;
    this.titleMetadataKey = b.titleMetadataKey;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Document> process(Query query, List<Document> documents) {
    Objects.requireNonNull(query, "query");
    if (documents == null || documents.isEmpty()) return List.of();
    List<Passage> passages = new ArrayList<>(documents.size());
    for (int i = 0; i < documents.size(); i++) {
      Document d = documents.get(i);
      if (d == null || d.getText() == null)
        throw new IllegalArgumentException(
            "document " + i + " has no text; qpeft reranks text documents only");
      passages.add(
          new Passage(d.getId() == null ? Integer.toString(i) : d.getId(), title(d), d.getText()));
    }
    List<Scored> best =
        reranker.rerank(new io.qpeft.data.Query("spring-ai", query.text()), passages, topN);
    List<Document> out = new ArrayList<>(best.size());
    for (Scored s : best) out.add(documents.get(s.index()).mutate().score(s.score()).build());
    return out;
  }

  private String title(Document d) {
    if (titleMetadataKey == null) return "";
    Object t = d.getMetadata().get(titleMetadataKey);
    return t == null ? "" : t.toString();
  }

  /** Builder: {@link #setReranker} is required. */
  public static final class Builder {
    private Reranker reranker;
    private int topN;
    private String titleMetadataKey = "title";

    private Builder() {}

    /** The reranker that scores the documents (not closed by the post-processor). */
    public Builder setReranker(Reranker reranker) {
      this.reranker = reranker;
      return this;
    }

    /** Keep the best {@code topN} documents (default 0: all, reordered). */
    public Builder optTopN(int topN) {
      this.topN = topN;
      return this;
    }

    /** Metadata key of a document's title (default {@code title}; null: no title). */
    public Builder optTitleMetadataKey(String key) {
      this.titleMetadataKey = key;
      return this;
    }

    public QpeftDocumentPostProcessor build() {
      return new QpeftDocumentPostProcessor(this);
    }
  }
}
