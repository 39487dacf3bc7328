package io.qpeft.bench;

import io.qpeft.cli.Cli;
import io.qpeft.cli.IndexCommand;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.retrieval.Bm25Params;
import io.qpeft.retrieval.Bm25Retriever;
import io.qpeft.retrieval.DenseRetriever;
import io.qpeft.retrieval.LuceneIndexer;
import io.qpeft.retrieval.Retriever;
import io.qpeft.retrieval.SentenceEncoder;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-bench bench-retrieval}: indexing throughput, search latency and throughput, and peak
 * memory on a generated Zipf corpus. Every figure comes with a reference measured in the same run
 * (generator alone, one thread, query encoding alone), so ratios survive a noisy machine.
 */
@Command(
    name = "bench-retrieval",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark indexing and retrieval (BM25 and dense) on a synthetic Zipf corpus; prints figures.")
public final class BenchRetrievalCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  private PrintWriter out;

  @Option(names = "--passages", description = "BM25 corpus size (default: ${DEFAULT-VALUE}).")
  long passages = 1_000_000;

  @Option(names = "--words", description = "Mean words per passage (default: ${DEFAULT-VALUE}).")
  int words = 60;

  @Option(names = "--vocabulary", description = "Zipf vocabulary size (default: ${DEFAULT-VALUE}).")
  int vocabulary = 100_000;

  @Option(names = "--zipf", description = "Zipf exponent s (default: ${DEFAULT-VALUE}).")
  double zipf = 1.0;

  @Option(
      names = "--queries",
      description = "Queries per BM25 measurement (default: ${DEFAULT-VALUE}).")
  int queries = 2000;

  @Option(names = "--hits", description = "Hits per query (default: ${DEFAULT-VALUE}).")
  int hits = 100;

  @Option(
      names = "--reference-passages",
      description = "Sample indexed with 1 and with N threads (default: ${DEFAULT-VALUE}).")
  long referencePassages = 100_000;

  @Option(
      names = "--dense-passages",
      description = "Dense index sample, 0 to skip dense (default: ${DEFAULT-VALUE}).")
  int densePassages = 2000;

  @Option(
      names = "--dense-queries",
      description = "Queries per dense measurement (default: ${DEFAULT-VALUE}).")
  int denseQueries = 200;

  @Option(names = "--threads", description = "Threads (default: ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(
      names = "--work",
      description = "Folder for the indexes (default: a temporary folder, deleted afterwards).")
  Path work;

  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::bench);
  }

  private int bench() throws Exception {
    Cli.requirePositive("--passages", passages);
    Cli.requirePositive("--words", words);
    Cli.requirePositive("--queries", queries);
    Cli.requirePositive("--hits", hits);
    Cli.requirePositive("--reference-passages", referencePassages);
    if (densePassages < 0)
      throw new IllegalArgumentException("--dense-passages must be >= 0, got " + densePassages);
    if (densePassages > 0) Cli.requirePositive("--dense-queries", denseQueries);
    Cli.requirePositive("--threads", threads);
    out = spec.commandLine().getOut();
    boolean temporary = work == null;
    Path dir =
        temporary ? Files.createTempDirectory("qpeft-bench-") : Files.createDirectories(work);
    SyntheticCorpus corpus = SyntheticCorpus.pseudoWords(vocabulary, zipf);
    out.printf(
        Locale.ROOT,
        "bench-retrieval: %d passages, ~%d words each, Zipf s=%.2f over %d words, %d threads, %d cores, load average %.1f, Java %s%n",
        passages,
        words,
        zipf,
        vocabulary,
        threads,
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.version());
    try {
      bm25(corpus, dir);
      if (densePassages > 0) dense(corpus, dir);
    } finally {
      if (temporary) deleteTree(dir);
    }
    out.printf(
        Locale.ROOT,
        "memory: peak heap %.0f MB (max %d MB), peak RSS (VmHWM) %s; load average at the end %.1f%n",
        peakHeapBytes() / 1e6,
        Runtime.getRuntime().maxMemory() / 1_000_000,
        PeakMemory.rss(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    return 0;
  }

  private void bm25(SyntheticCorpus corpus, Path dir) throws Exception {
    // reference 1: how fast passages can be generated at all
    long ref = Math.min(referencePassages, passages);
    double t = seconds(() -> drain(corpus.passages(ref, words, seed)));
    double gen = ref / t;
    row("generator alone (reference)", "%.0f passages/s, %.0f per CPU-s", gen, ref / lastCpu);
    // reference 2: one indexing thread on the sample
    double one =
        ref / seconds(() -> index(dir.resolve("ref1"), corpus.passages(ref, words, seed), 1, null));
    double oneCpu = ref / lastCpu;
    row(
        "BM25 index, 1 thread, " + ref + " passages",
        "%.0f passages/s, %.0f per CPU-s",
        one,
        oneCpu);
    double many =
        ref
            / seconds(
                () -> index(dir.resolve("refN"), corpus.passages(ref, words, seed), threads, null));
    row(
        "BM25 index, " + threads + " threads, " + ref + " passages",
        "%.0f passages/s (%.2fx one thread), %.0f per CPU-s",
        many,
        many / one,
        ref / lastCpu);
    deleteTree(dir.resolve("ref1"));
    deleteTree(dir.resolve("refN"));
    Path idx = dir.resolve("bm25");
    double full = seconds(() -> index(idx, corpus.passages(passages, words, seed), threads, null));
    row(
        "BM25 index, " + threads + " threads, " + passages + " passages",
        "%.0f passages/s, %.0f per CPU-s (%.1f s, %.0f MB on disk)",
        passages / full,
        passages / lastCpu,
        full,
        size(idx) / 1e6);
    List<Query> qs = corpus.queries(queries, seed + 1);
    try (Bm25Retriever r = Bm25Retriever.open(idx, Bm25Params.ANSERINI)) {
      search("BM25", r, qs);
    }
  }

  private void dense(SyntheticCorpus corpus, Path dir) throws Exception {
    List<Passage> sample = new ArrayList<>();
    corpus.passages(densePassages, words, seed).forEachRemaining(sample::add);
    List<Query> qs = corpus.queries(denseQueries, seed + 2);
    // one ONNX thread per caller thread, so that the parallel figures do not oversubscribe the
    // cores
    try (SentenceEncoder enc = SentenceEncoder.builtin(IndexCommand.intraOpThreads(threads))) {
      List<String> texts = sample.stream().map(p -> p.title() + "\n" + p.text()).toList();
      double encodeOnly =
          sample.size() / seconds(() -> enc.encode(texts)); // reference: 1 caller thread
      row(
          "dense encode alone, 1 caller thread (reference)",
          "%.1f passages/s, %.1f per CPU-s",
          encodeOnly,
          sample.size() / lastCpu);
      Path idx = dir.resolve("dense");
      double indexing = sample.size() / seconds(() -> index(idx, sample.iterator(), threads, enc));
      row(
          "dense index, " + threads + " threads, " + sample.size() + " passages",
          "%.1f passages/s (%.2fx encode alone), %.1f per CPU-s",
          indexing,
          indexing / encodeOnly,
          sample.size() / lastCpu);
      long[] encodeNs = new long[qs.size()];
      for (int i = 0; i < qs.size(); i++) {
        String text = SentenceEncoder.BGE_QUERY_PREFIX + qs.get(i).text();
        long s = System.nanoTime();
        enc.encode(text);
        encodeNs[i] = System.nanoTime() - s;
      }
      row(
          "dense query encoding alone (reference)",
          "p50 %.2f ms, p99 %.2f ms",
          pct(encodeNs, 50),
          pct(encodeNs, 99));
      try (DenseRetriever r = DenseRetriever.open(idx, enc)) {
        search("dense", r, qs);
      }
    }
  }

  /** Latency with one thread (after a warm-up), then throughput with {@link #threads}. */
  private void search(String name, Retriever r, List<Query> qs) throws Exception {
    for (int i = 0; i < Math.min(50, qs.size()); i++) r.search(qs.get(i), hits); // warm-up
    long[] ns = new long[qs.size()];
    long cpu0 = cpuNanos();
    long start = System.nanoTime();
    for (int i = 0; i < qs.size(); i++) {
      long s = System.nanoTime();
      r.search(qs.get(i), hits);
      ns[i] = System.nanoTime() - s;
    }
    double single = qs.size() / ((System.nanoTime() - start) / 1e9);
    double singleCpu = qs.size() / ((cpuNanos() - cpu0) / 1e9);
    row(
        name + " search, 1 thread, " + hits + " hits",
        "p50 %.2f ms, p99 %.2f ms, %.1f queries/s, %.1f per CPU-s",
        pct(ns, 50),
        pct(ns, 99),
        single,
        singleCpu);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      cpu0 = cpuNanos();
      start = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (Query q : qs) fs.add(pool.submit(() -> r.search(q, hits)));
      for (Future<?> f : fs) f.get();
      double multi = qs.size() / ((System.nanoTime() - start) / 1e9);
      row(
          name + " search, " + threads + " threads, " + hits + " hits",
          "%.1f queries/s (%.2fx one thread), %.1f per CPU-s",
          multi,
          multi / single,
          qs.size() / ((cpuNanos() - cpu0) / 1e9));
    } finally {
      pool.shutdownNow();
    }
  }

  private void index(Path idx, Iterator<Passage> ps, int n, SentenceEncoder enc)
      throws IOException {
    LuceneIndexer.builder()
        .setIndexDir(idx)
        .optThreads(n)
        .optEncoder(enc)
        .optBatchSize(enc == null ? 256 : 32)
        .build()
        .index(ps);
  }

  private static void drain(Iterator<Passage> it) {
    long chars = 0;
    while (it.hasNext()) chars += it.next().text().length();
    if (chars < 0) throw new AssertionError(); // keeps the loop from being optimised away
  }

  /** A benchmark step that may throw. */
  interface Step {
    void run() throws Exception;
  }

  /** Process CPU seconds of the last {@link #seconds} step (all threads), or NaN if unknown. */
  private double lastCpu = Double.NaN;

  /** Wall-clock seconds of {@code step}; its process CPU time goes to {@link #lastCpu}. */
  private double seconds(Step step) throws Exception {
    long c = cpuNanos();
    long s = System.nanoTime();
    step.run();
    double wall = (System.nanoTime() - s) / 1e9;
    lastCpu = c < 0 ? Double.NaN : (cpuNanos() - c) / 1e9;
    return wall;
  }

  /**
   * CPU time of this process in ns, -1 if the JVM cannot tell. On a shared machine wall-clock
   * figures depend on the neighbours; work per CPU-second does much less.
   */
  static long cpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private static double pct(long[] ns, int p) {
    long[] sorted = ns.clone();
    Arrays.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, i)] / 1e6;
  }

  private void row(String what, String format, Object... args) {
    out.printf(Locale.ROOT, "  %-52s %s%n", what, String.format(Locale.ROOT, format, args));
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  /** Sum of the heap pools' peak usage (an upper bound of the true peak heap). */
  static long peakHeapBytes() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
    }
    return Math.max(sum, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
  }
}
