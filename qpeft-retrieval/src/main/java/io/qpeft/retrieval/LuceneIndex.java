package io.qpeft.retrieval;

import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * An open qpeft index: reader, searcher and metadata, shared by the retrievers built on it. Owns
 * the reader; thread-safe, as Lucene's readers and searchers are.
 */
final class LuceneIndex implements AutoCloseable {
  /**
   * Candidate order: score descending, then docid ascending, so ties never depend on index order.
   */
  static final Comparator<Candidate> RANKING =
      Comparator.comparingDouble(Candidate::score).reversed().thenComparing(Candidate::docid);

  final Path path;
  final DirectoryReader reader;
  final IndexSearcher searcher;
  final IndexMetadata metadata;

  private LuceneIndex(Path path, DirectoryReader reader) throws IOException {
    this.path = path;
    this.reader = reader;
    this.searcher = new IndexSearcher(reader);
    this.metadata = IndexMetadata.fromUserData(reader.getIndexCommit().getUserData(), path);
  }

  static LuceneIndex open(Path path) {
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException(
          "index folder " + path + " does not exist (build it with 'qpeft index')");
    }
    try {
      FSDirectory dir = FSDirectory.open(path);
      if (!DirectoryReader.indexExists(dir)) {
        dir.close();
        throw new IllegalArgumentException(
            "folder " + path + " holds no Lucene index (build it with 'qpeft index')");
      }
      DirectoryReader reader = DirectoryReader.open(dir);
      try {
        return new LuceneIndex(path, reader);
      } catch (RuntimeException | IOException e) {
        reader.close();
        dir.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open index " + path, e);
    }
  }

  /**
   * Loads the stored passages of {@code top}, maps each Lucene score with {@code score}, and sorts
   * by {@link #RANKING}.
   */
  List<Candidate> candidates(TopDocs top, int hits, DoubleUnaryOperator score) {
    try {
      StoredFields stored = searcher.storedFields();
      List<Candidate> out = new ArrayList<>(top.scoreDocs.length);
      for (ScoreDoc sd : top.scoreDocs) {
        Document d = stored.document(sd.doc);
        Passage p =
            new Passage(
                d.get(IndexLayout.DOCID), d.get(IndexLayout.TITLE), d.get(IndexLayout.TEXT));
        out.add(new Candidate(p, floatPrecision(score.applyAsDouble(sd.score))));
      }
      out.sort(RANKING);
      return out.size() > hits ? List.copyOf(out.subList(0, hits)) : out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stored passages from " + path, e);
    }
  }

  /**
   * The double nearest to the shortest decimal of {@code (float) x}: Lucene scores are floats, and
   * their exact double expansion (0.5117194056510925 for 0.5117194f) claims digits that are noise.
   */
  static double floatPrecision(double x) {
    return Double.parseDouble(Float.toString((float) x));
  }

  @Override
  public void close() {
    // resources close in reverse order: the reader, then its directory
    try (org.apache.lucene.store.Directory dir = reader.directory();
        DirectoryReader r = reader) {
      assert dir != null && r != null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close index " + path, e);
    }
  }
}
