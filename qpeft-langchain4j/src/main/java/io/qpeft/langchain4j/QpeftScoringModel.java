package io.qpeft.langchain4j;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A LangChain4j {@link ScoringModel} backed by any qpeft {@link Reranker} (build it with {@code
 * RerankerFactory}: UPR, Q-PEFT, qwen3-reranker, bge-gemma or yesno; or a running {@code qpeft
 * serve} through {@code io.qpeft.server.RemoteReranker}), so it plugs into {@code
 * ReRankingContentAggregator} and other LangChain4j retrieval pipelines.
 *
 * <p>Scores are the reranker's: for UPR and Q-PEFT, the mean log-likelihood of the query given the
 * segment (negative; higher is more relevant); for qwen3-reranker, the probability of "yes"; for
 * bge-gemma, the logit of "Yes". They are returned in input order, one per segment. A segment's
 * title is read from its metadata key {@code title} (configurable), its text is {@link
 * TextSegment#text()}.
 *
 * <p>The scoring model does not own the reranker: closing the reranker is the caller's job, since
 * one reranker is usually shared by several components.
 */
public final class QpeftScoringModel implements ScoringModel {
  private final Reranker reranker;
  private final String titleMetadataKey;

  private QpeftScoringModel(Builder builder) {
    this.reranker = Objects.requireNonNull(builder.reranker, "reranker must be set");
    this.titleMetadataKey = builder.titleMetadataKey;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
    if (query == null) throw new IllegalArgumentException("query must not be null");
    if (segments == null) throw new IllegalArgumentException("segments must not be null");
    List<Passage> passages = new ArrayList<>(segments.size());
    for (int i = 0; i < segments.size(); i++) {
      TextSegment segment = segments.get(i);
      if (segment == null) throw new IllegalArgumentException("segment " + i + " is null");
      passages.add(new Passage(Integer.toString(i), title(segment), segment.text()));
    }
    if (passages.isEmpty()) return Response.from(List.of());
    double[] scores = reranker.score(new Query("langchain4j", query), passages);
    if (scores.length != passages.size()) {
      throw new IllegalStateException(
          "reranker returned " + scores.length + " scores for " + passages.size() + " segments");
    }
    List<Double> out = new ArrayList<>(scores.length);
    for (double s : scores) out.add(s);
    return Response.from(out);
  }

  private String title(TextSegment segment) {
    if (titleMetadataKey == null || segment.metadata() == null) return "";
    String title = segment.metadata().getString(titleMetadataKey);
    return title == null ? "" : title;
  }

  /** Builder: {@link #setReranker} is required. */
  public static final class Builder {
    private Reranker reranker;
    private String titleMetadataKey = "title";

    private Builder() {}

    /** The reranker that computes the scores (required; not closed by the scoring model). */
    public Builder setReranker(Reranker reranker) {
      this.reranker = reranker;
      return this;
    }

    /** Metadata key holding a segment's title ({@code title} by default; null for none). */
    public Builder optTitleMetadataKey(String key) {
      this.titleMetadataKey = key;
      return this;
    }

    public QpeftScoringModel build() {
      return new QpeftScoringModel(this);
    }
  }
}
