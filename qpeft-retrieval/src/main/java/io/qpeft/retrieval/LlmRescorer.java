package io.qpeft.retrieval;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.search.Explanation;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Rescorer;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;

/**
 * A Lucene {@link Rescorer} that reranks the first-pass hits of any {@link IndexSearcher} with any
 * qpeft {@link Reranker} (UPR, a Q-PEFT adapter, ...): BM25 (or any Lucene query) first, then the
 * LLM on its top hits.
 *
 * <pre>{@code
 * TopDocs first = searcher.search(luceneQuery, 100);
 * TopDocs reranked =
 *     LlmRescorer.builder().setReranker(reranker).setQuery(queryText).build()
 *         .rescore(searcher, first, 10);
 * }</pre>
 *
 * <p>The LLM needs the query as text and each hit's passage as text: passages are read from stored
 * fields (by default those {@code qpeft index} writes, {@link IndexLayout#DOCID}, {@link
 * IndexLayout#TITLE} and {@link IndexLayout#TEXT}; the names are configurable, and the title field
 * may be missing) or by a {@link PassageLoader} of your own. All hits of one call are scored in one
 * {@link Reranker#score} call, so they share forward passes.
 *
 * <p>Result: the {@code topN} best hits by reranker score, best first; ties keep the first-pass
 * order (as {@link Reranker#rerank} does). {@link ScoreDoc#score} is the reranker's score as a
 * float (for UPR a mean log-likelihood: negative, higher is more relevant); {@code totalHits} is
 * the first pass's. A rescorer is built per query (it is cheap: the reranker is shared and not
 * owned, so closing it stays the caller's job).
 */
public final class LlmRescorer extends Rescorer {
  /** Turns a Lucene hit into the passage the reranker reads. */
  @FunctionalInterface
  public interface PassageLoader {
    /** The passage of document {@code docId} (a top-level doc id of {@code searcher}'s reader). */
    Passage load(IndexSearcher searcher, int docId) throws IOException;
  }

  private final Reranker reranker;
  private final Query query;
  private final PassageLoader loader;

  private LlmRescorer(Builder b) {
    this.reranker = Objects.requireNonNull(b.reranker, "setReranker is required");
    this.query = Objects.requireNonNull(b.query, "setQuery is required");
    this.loader =
        b.loader != null ? b.loader : storedFields(b.docidField, b.titleField, b.textField);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A loader reading stored fields: {@code docidField} (when absent from a document, the Lucene doc
   * id is used), {@code titleField} (optional: null or absent means no title) and {@code textField}
   * (required in every document).
   */
  public static PassageLoader storedFields(String docidField, String titleField, String textField) {
    Objects.requireNonNull(textField, "text field");
    Set<String> fields = new HashSet<>();
    fields.add(textField);
    if (docidField != null) fields.add(docidField);
    if (titleField != null) fields.add(titleField);
    return (searcher, docId) -> {
      Document d = searcher.storedFields().document(docId, fields);
      String text = d.get(textField);
      if (text == null) {
        throw new IllegalArgumentException(
            "document "
                + docId
                + " has no stored field '"
                + textField
                + "'; store the passage text in it, name another field with optTextField,"
                + " or give a PassageLoader");
      }
      String id = docidField == null ? null : d.get(docidField);
      return new Passage(
          id == null ? Integer.toString(docId) : id,
          titleField == null ? "" : d.get(titleField),
          text);
    };
  }

  /** The query this rescorer reranks for. */
  public Query query() {
    return query;
  }

  @Override
  public TopDocs rescore(IndexSearcher searcher, TopDocs firstPassTopDocs, int topN)
      throws IOException {
    if (topN < 0) throw new IllegalArgumentException("topN must be >= 0, got " + topN);
    ScoreDoc[] hits = firstPassTopDocs.scoreDocs;
    List<Passage> passages = new ArrayList<>(hits.length);
    for (ScoreDoc hit : hits) passages.add(loader.load(searcher, hit.doc));
    if (passages.isEmpty() || topN == 0) {
      return new TopDocs(firstPassTopDocs.totalHits, new ScoreDoc[0]);
    }
    List<Scored> best = reranker.rerank(query, passages, topN);
    ScoreDoc[] out = new ScoreDoc[best.size()];
    for (int i = 0; i < out.length; i++) {
      Scored s = best.get(i);
      ScoreDoc hit = hits[s.index()];
      out[i] = new ScoreDoc(hit.doc, (float) s.score(), hit.shardIndex);
    }
    return new TopDocs(firstPassTopDocs.totalHits, out);
  }

  /** The reranker's score of {@code docID} alone, with the first-pass explanation as detail. */
  @Override
  public Explanation explain(IndexSearcher searcher, Explanation firstPassExplanation, int docID)
      throws IOException {
    Passage p = loader.load(searcher, docID);
    double score = reranker.score(query, List.of(p))[0];
    return Explanation.match(
        (float) score,
        "qpeft reranker score of passage " + p.docid() + " for query '" + query.text() + "'",
        firstPassExplanation);
  }

  /**
   * Builder: {@link #setReranker} and {@link #setQuery} are required; passages come from the stored
   * fields {@code docid}, {@code title}, {@code text} unless told otherwise.
   */
  public static final class Builder {
    private Reranker reranker;
    private Query query;
    private PassageLoader loader;
    private String docidField = IndexLayout.DOCID;
    private String titleField = IndexLayout.TITLE;
    private String textField = IndexLayout.TEXT;

    private Builder() {}

    /** The reranker (shared, not closed by the rescorer). */
    public Builder setReranker(Reranker reranker) {
      this.reranker = reranker;
      return this;
    }

    /** The query text the hits are reranked for. */
    public Builder setQuery(String text) {
      return setQuery(new Query("lucene", text));
    }

    /** The query (its qid is passed on to the reranker). */
    public Builder setQuery(Query query) {
      this.query = query;
      return this;
    }

    /** Stored field with the passage id (default {@code docid}; null: the Lucene doc id). */
    public Builder optDocidField(String field) {
      this.docidField = field;
      return this;
    }

    /** Stored field with the title (default {@code title}; null: no title). */
    public Builder optTitleField(String field) {
      this.titleField = field;
      return this;
    }

    /** Stored field with the passage text (default {@code text}). */
    public Builder optTextField(String field) {
      this.textField = Objects.requireNonNull(field, "text field");
      return this;
    }

    /** Reads passages with {@code loader} instead of stored fields. */
    public Builder optPassageLoader(PassageLoader loader) {
      this.loader = loader;
      return this;
    }

    public LlmRescorer build() {
      return new LlmRescorer(this);
    }
  }
}
