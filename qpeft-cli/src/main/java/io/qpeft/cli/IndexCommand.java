package io.qpeft.cli;

import io.qpeft.data.CorpusReader;
import io.qpeft.data.Passage;
import io.qpeft.data.RecordReader;
import io.qpeft.retrieval.IndexMetadata;
import io.qpeft.retrieval.LuceneIndexer;
import io.qpeft.retrieval.SentenceEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpeft index}: builds a Lucene BM25 (and optionally dense) index from a corpus. */
@Command(
    name = "index",
    mixinStandardHelpOptions = true,
    description =
        "Build a Lucene index from a corpus: BM25 over title + text (English analyzer, Porter"
            + " stemming), and with --dense also bge-small-en-v1.5 embeddings in an HNSW graph. Docid,"
            + " title and text are stored, so retrieved candidates carry their text.")
public final class IndexCommand implements Callable<Integer> {
  @Option(
      names = "--corpus",
      required = true,
      paramLabel = "PATH",
      description =
          "JSONL (_id/id, title, text), a BEIR folder (corpus.jsonl), DPR psgs TSV or MS MARCO collection TSV.")
  Path corpus;

  @Option(
      names = "--index",
      required = true,
      paramLabel = "DIR",
      description = "Index folder (created; an old index there is replaced).")
  Path index;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Indexing threads (default: ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--dense",
      description = "Also store passage embeddings for dense and hybrid retrieval.")
  boolean dense;

  @Option(
      names = "--encoder",
      paramLabel = "DIR",
      description =
          "ONNX encoder folder (model.onnx + tokenizer.json) instead of the built-in bge-small-en-v1.5-q; implies --dense.")
  Path encoder;

  @Option(
      names = "--query-prefix",
      paramLabel = "TEXT",
      description =
          "Instruction put before queries at retrieval time (default: BGE's \"${DEFAULT-VALUE}\").")
  String queryPrefix = SentenceEncoder.BGE_QUERY_PREFIX;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description = "Passages per worker batch (default: ${DEFAULT-VALUE}; 32-64 suits --dense).")
  int batchSize = 256;

  @Option(
      names = "--optimize",
      description =
          "Merge the index into one segment at the end (slower to build, faster to search).")
  boolean optimize;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return Cli.run(spec, this::index);
  }

  private int index() throws IOException {
    boolean withVectors = dense || encoder != null;
    long expected = countLines(corpus);
    long start = System.nanoTime();
    IndexMetadata meta;
    try (SentenceEncoder enc = withVectors ? loadEncoder() : null;
        RecordReader<Passage> passages = CorpusReader.open(corpus);
        ProgressBar bar = Progress.bar("Indexing", expected > 0 ? expected : -1, 0, "passages")) {
      meta =
          LuceneIndexer.builder()
              .setIndexDir(index)
              .optThreads(threads)
              .optBatchSize(batchSize)
              .optEncoder(enc)
              .optQueryPrefix(queryPrefix)
              .optForceMerge(optimize)
              .optProgress(n -> Progress.step(bar, n))
              .build()
              .index(passages);
      if (bar != null) bar.maxHint(meta.passages());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    spec.commandLine()
        .getOut()
        .printf(
            "Indexed %d passages into %s in %.1f s (%.0f passages/s)%s%n",
            meta.passages(),
            index,
            seconds,
            meta.passages() / seconds,
            meta.dense() ? ", dense: " + meta.encoder() + " (" + meta.dimensions() + " dims)" : "");
    return 0;
  }

  private SentenceEncoder loadEncoder() {
    int intraOp = intraOpThreads(threads);
    return encoder == null
        ? SentenceEncoder.builtin(intraOp)
        : SentenceEncoder.open(encoder, intraOp);
  }

  /**
   * Newline count of a file (or of {@code corpus.jsonl} in a folder), read in 1 MB blocks: about
   * one record per line in every corpus format, which gives the progress bar its ETA. 0 when
   * unknown (no such file, or gzip).
   */
  static long countLines(Path corpus) {
    Path file = Files.isDirectory(corpus) ? corpus.resolve("corpus.jsonl") : corpus;
    if (!Files.isRegularFile(file) || file.getFileName().toString().endsWith(".gz")) return 0;
    long lines = 0;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (ch.read(buf) > 0) {
        buf.flip();
        while (buf.hasRemaining()) if (buf.get() == '\n') lines++;
        buf.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return lines;
  }

  /** ONNX threads per encoder call when {@code callers} threads encode at once: share the cores. */
  public static int intraOpThreads(int callers) {
    return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, callers));
  }
}
