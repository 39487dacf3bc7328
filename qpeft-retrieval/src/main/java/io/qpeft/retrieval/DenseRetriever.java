package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.search.KnnFloatVectorQuery;

/**
 * Dense retrieval: the query (with the index's instruction prefix) is embedded by a {@link
 * SentenceEncoder} and matched against passage embeddings with Lucene's HNSW graph ({@link
 * KnnFloatVectorQuery}), an approximate nearest-neighbour search. Scores are cosine similarities.
 */
public final class DenseRetriever implements Retriever {
  /**
   * Candidates explored in the graph at least (HNSW's ef): more means better recall, slower search.
   */
  public static final int MIN_NUM_CANDIDATES = 100;

  private final LuceneIndex index;
  private final SentenceEncoder encoder;
  private final boolean ownsEncoder;

  private DenseRetriever(LuceneIndex index, SentenceEncoder encoder, boolean ownsEncoder) {
    this.index = index;
    this.encoder = encoder;
    this.ownsEncoder = ownsEncoder;
  }

  /** Opens a dense index with the encoder recorded in its metadata (owned by the retriever). */
  public static DenseRetriever open(Path path) {
    return open(path, 0);
  }

  /**
   * Like {@link #open(Path)}, the encoder running {@code intraOpThreads} ONNX threads per call (see
   * {@link SentenceEncoder#builtin(int)}).
   */
  public static DenseRetriever open(Path path, int intraOpThreads) {
    LuceneIndex index = LuceneIndex.open(path);
    try {
      requireDense(index);
      return new DenseRetriever(
          index, SentenceEncoder.load(index.metadata.encoder(), intraOpThreads), true);
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
  }

  /** Opens a dense index with {@code encoder}, which the caller keeps owning. */
  public static DenseRetriever open(Path path, SentenceEncoder encoder) {
    LuceneIndex index = LuceneIndex.open(path);
    try {
      requireDense(index);
      if (encoder.dimensions() != index.metadata.dimensions()) {
        throw new IllegalArgumentException(
            "encoder "
                + encoder.name()
                + " gives "
                + encoder.dimensions()
                + "-dimensional vectors but index "
                + path
                + " holds "
                + index.metadata.dimensions()
                + "-dimensional ones");
      }
      return new DenseRetriever(index, encoder, false);
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
  }

  private static void requireDense(LuceneIndex index) {
    if (!index.metadata.dense()) {
      throw new IllegalArgumentException(
          "index "
              + index.path
              + " has no passage embeddings; rebuild it with 'qpeft index --dense'");
    }
  }

  /** Metadata of the open index. */
  public IndexMetadata metadata() {
    return index.metadata;
  }

  @Override
  public List<Candidate> search(Query query, int hits) {
    return searchAll(List.of(query), hits).get(0);
  }

  /** Encodes all queries in batches, then searches the graph for each. */
  @Override
  public List<List<Candidate>> searchAll(List<Query> queries, int hits) {
    Retriever.requireHits(hits);
    String prefix = index.metadata.queryPrefix();
    float[][] vectors = encoder.encode(queries.stream().map(q -> prefix + q.text()).toList());
    List<List<Candidate>> out = new ArrayList<>(queries.size());
    for (float[] v : vectors) out.add(searchVector(v, hits));
    return out;
  }

  /** The {@code hits} nearest passages to a unit vector. */
  public List<Candidate> searchVector(float[] vector, int hits) {
    int k = Math.max(hits, MIN_NUM_CANDIDATES);
    try {
      var top = index.searcher.search(new KnnFloatVectorQuery(IndexLayout.VECTOR, vector, k), k);
      // Lucene's DOT_PRODUCT score is (1 + cos) / 2; report the cosine itself
      return index.candidates(top, hits, s -> 2 * s - 1);
    } catch (IOException e) {
      throw new UncheckedIOException("dense search failed on " + index.path, e);
    }
  }

  @Override
  public void close() {
    try {
      if (ownsEncoder) encoder.close();
    } finally {
      index.close();
    }
  }
}
