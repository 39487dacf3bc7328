package io.qpeft.data;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Passages by id. Implementations are safe to share between threads. Use {@link #open(Path)} for a
 * collection on disk (random access through an offset index, no text in memory) and {@link
 * #of(Iterable)} for a small in-memory one.
 */
public interface PassageStore extends AutoCloseable {

  /** The passage with id {@code docid}, or {@code null} when the collection has none. */
  Passage get(String docid);

  /** Number of passages. */
  long size();

  @Override
  void close();

  /**
   * A passage collection on disk (DPR/MS MARCO TSV, JSONL, BEIR folder), read by random access. The
   * first call builds the offset index ({@code <file>.qpeft-idx}) in one sequential pass.
   */
  static PassageStore open(Path collection) {
    return IndexedPassageFile.open(collection);
  }

  /** An in-memory store; a later passage with the same id replaces an earlier one. */
  static PassageStore of(Iterable<Passage> passages) {
    Map<String, Passage> map = new HashMap<>();
    for (Passage p : passages) map.put(p.docid(), p);
    return new PassageStore() {
      @Override
      public Passage get(String docid) {
        return map.get(docid);
      }

      @Override
      public long size() {
        return map.size();
      }

      @Override
      public void close() {}
    };
  }

  /**
   * The id under which a retriever's ctx id is found in the collection: DPR result files from
   * {@code dense_retriever.py} prefix ids with the source name ({@code "wiki:123"}) while {@code
   * psgs_w100.tsv} has {@code 123}. Returns the exact match first, else the part after the last
   * ':'.
   */
  static Passage lookup(PassageStore store, String docid) {
    Passage p = store.get(docid);
    if (p == null) {
      int colon = docid.lastIndexOf(':');
      if (colon >= 0 && colon + 1 < docid.length()) p = store.get(docid.substring(colon + 1));
    }
    return p;
  }
}
