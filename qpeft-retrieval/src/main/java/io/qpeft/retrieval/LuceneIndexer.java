package io.qpeft.retrieval;

import io.qpeft.data.Passage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * Builds a Lucene index (fields in {@link IndexLayout}) from a stream of passages, with several
 * threads: the calling thread reads passages into batches, worker threads analyse (and, for a dense
 * index, encode) them and add them to one shared {@link IndexWriter}, which is thread-safe. The
 * index appears atomically with the final commit; an existing qpeft index in the folder is
 * replaced.
 *
 * <p>Not done here: duplicate docids are not detected (a duplicate is indexed twice).
 */
public final class LuceneIndexer {
  private final Path indexDir;
  private final int threads;
  private final int batchSize;
  private final SentenceEncoder encoder;
  private final String queryPrefix;
  private final double ramBufferMb;
  private final boolean forceMerge;
  private final LongConsumer progress;

  private LuceneIndexer(Builder b) {
    this.indexDir = b.indexDir;
    this.threads = b.threads;
    this.batchSize = b.batchSize;
    this.encoder = b.encoder;
    this.queryPrefix = b.queryPrefix;
    this.ramBufferMb = b.ramBufferMb;
    this.forceMerge = b.forceMerge;
    this.progress = b.progress;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Configures a {@link LuceneIndexer}; {@link #setIndexDir} is required. */
  public static final class Builder {
    private Path indexDir;
    private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int batchSize = 256;
    private SentenceEncoder encoder;
    private String queryPrefix = SentenceEncoder.BGE_QUERY_PREFIX;
    private double ramBufferMb = 256;
    private boolean forceMerge;
    private LongConsumer progress = n -> {};

    public Builder setIndexDir(Path dir) {
      this.indexDir = dir;
      return this;
    }

    /** Worker threads (default: available processors). */
    public Builder optThreads(int threads) {
      if (threads <= 0)
        throw new IllegalArgumentException("--threads must be positive, got " + threads);
      this.threads = threads;
      return this;
    }

    /** Passages handed to a worker at once (default 256). */
    public Builder optBatchSize(int batchSize) {
      if (batchSize <= 0)
        throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Also store passage embeddings from this encoder (the caller keeps ownership). */
    public Builder optEncoder(SentenceEncoder encoder) {
      this.encoder = encoder;
      return this;
    }

    /** Query instruction recorded for the dense retriever (default: BGE's). */
    public Builder optQueryPrefix(String prefix) {
      this.queryPrefix = prefix == null ? "" : prefix;
      return this;
    }

    /** Lucene's in-memory buffer before a segment is flushed (default 256 MB). */
    public Builder optRamBufferMb(double mb) {
      if (!(mb > 0)) throw new IllegalArgumentException("RAM buffer must be positive, got " + mb);
      this.ramBufferMb = mb;
      return this;
    }

    /** Merge into one segment at the end: slower indexing, faster search. */
    public Builder optForceMerge(boolean forceMerge) {
      this.forceMerge = forceMerge;
      return this;
    }

    /** Called (from worker threads) with the number of passages just indexed. */
    public Builder optProgress(LongConsumer progress) {
      this.progress = progress;
      return this;
    }

    public LuceneIndexer build() {
      if (indexDir == null) throw new IllegalArgumentException("index folder is required");
      return new LuceneIndexer(this);
    }
  }

  /**
   * Indexes every passage and commits.
   *
   * @return what was indexed (also stored in the index)
   */
  public IndexMetadata index(Iterator<Passage> passages) throws IOException {
    prepareFolder();
    IndexWriterConfig config = new IndexWriterConfig(IndexLayout.newAnalyzer());
    config.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    config.setRAMBufferSizeMB(ramBufferMb);
    config.setUseCompoundFile(false);
    config.setCommitOnClose(
        false); // a failed run leaves the previous index (or none), never half of one
    AtomicLong count = new AtomicLong();
    BlockingQueue<List<Passage>> queue = new ArrayBlockingQueue<>(2 * threads);
    List<Passage> poison = List.of();
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads());
    try (Directory dir = FSDirectory.open(indexDir);
        IndexWriter writer = new IndexWriter(dir, config)) {
      try {
        return run(passages, writer, pool, queue, poison, count);
      } finally {
        pool.shutdownNow(); // stop workers before the writer closes under them
        awaitQuietly(pool);
      }
    }
  }

  private IndexMetadata run(
      Iterator<Passage> passages,
      IndexWriter writer,
      ExecutorService pool,
      BlockingQueue<List<Passage>> queue,
      List<Passage> poison,
      AtomicLong count)
      throws IOException {
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(pool.submit(() -> work(queue, poison, writer, count)));
    }
    // producer: the caller's thread reads the corpus (readers are not thread-safe)
    List<Passage> batch = new ArrayList<>(batchSize);
    while (passages.hasNext()) {
      batch.add(passages.next());
      if (batch.size() == batchSize) {
        put(queue, batch, workers);
        batch = new ArrayList<>(batchSize);
      }
    }
    if (!batch.isEmpty()) put(queue, batch, workers);
    for (int t = 0; t < threads; t++) put(queue, poison, workers);
    for (Future<?> f : workers) join(f);
    IndexMetadata meta =
        new IndexMetadata(
            count.get(),
            IndexLayout.ANALYZER_NAME,
            encoder == null ? "" : encoder.name(),
            encoder == null ? 0 : encoder.dimensions(),
            encoder == null ? "" : queryPrefix);
    if (forceMerge) writer.forceMerge(1);
    writer.setLiveCommitData(meta.toUserData().entrySet());
    writer.commit();
    return meta;
  }

  private static void awaitQuietly(ExecutorService pool) {
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Void work(
      BlockingQueue<List<Passage>> queue,
      List<Passage> poison,
      IndexWriter writer,
      AtomicLong count)
      throws IOException, InterruptedException {
    while (true) {
      List<Passage> batch = queue.take();
      if (batch == poison) return null;
      float[][] vectors = null;
      if (encoder != null) {
        vectors = encoder.encode(batch.stream().map(LuceneIndexer::contents).toList());
      }
      List<Document> docs = new ArrayList<>(batch.size());
      for (int i = 0; i < batch.size(); i++) {
        docs.add(document(batch.get(i), vectors == null ? null : vectors[i]));
      }
      writer.addDocuments(docs);
      count.addAndGet(batch.size());
      progress.accept(batch.size());
    }
  }

  /** The text that BM25 indexes and the encoder embeds: title and body. */
  static String contents(Passage p) {
    return p.title().isEmpty() ? p.text() : p.title() + "\n" + p.text();
  }

  private static Document document(Passage p, float[] vector) {
    Document doc = new Document();
    doc.add(new StringField(IndexLayout.DOCID, p.docid(), Field.Store.YES));
    doc.add(new StoredField(IndexLayout.TITLE, p.title()));
    doc.add(new StoredField(IndexLayout.TEXT, p.text()));
    doc.add(new TextField(IndexLayout.CONTENTS, contents(p), Field.Store.NO));
    if (vector != null) {
      doc.add(
          new KnnFloatVectorField(
              IndexLayout.VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
    }
    return doc;
  }

  /** Refuses to write into a folder holding files that are not a Lucene index. */
  private void prepareFolder() throws IOException {
    if (Files.isDirectory(indexDir)) {
      boolean empty;
      // a failed run rolls back to nothing but leaves Lucene's write.lock: that folder is empty
      try (Stream<Path> s = Files.list(indexDir)) {
        empty = s.filter(p -> !p.getFileName().toString().equals("write.lock")).findAny().isEmpty();
      }
      if (!empty) {
        try (Directory dir = FSDirectory.open(indexDir)) {
          if (!DirectoryReader.indexExists(dir)) {
            throw new IllegalArgumentException(
                "index folder "
                    + indexDir
                    + " is not empty and holds no Lucene index; refusing to overwrite it");
          }
        }
      }
    } else if (Files.exists(indexDir)) {
      throw new IllegalArgumentException("index path " + indexDir + " is a file, not a folder");
    }
    Files.createDirectories(indexDir);
  }

  /** Puts a batch, failing fast if a worker died (otherwise the queue would block forever). */
  private static void put(
      BlockingQueue<List<Passage>> queue, List<Passage> batch, List<Future<?>> workers)
      throws IOException {
    try {
      while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
        for (Future<?> f : workers) if (f.isDone()) join(f);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("indexing interrupted", e);
    }
  }

  private static void join(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("indexing interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) throw io;
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new UncheckedIOException(new IOException("indexing worker failed", c));
    }
    // a worker that returned before the poison pill cannot happen: it only returns on poison
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, "qpeft-indexer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
