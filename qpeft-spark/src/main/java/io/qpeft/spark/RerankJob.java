package io.qpeft.spark;

import io.qpeft.data.BadRecordException;
import io.qpeft.data.CandidatesWriter;
import io.qpeft.data.JsonlRequest;
import io.qpeft.data.PartFiles;
import io.qpeft.data.TrecRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.internal.SQLConf;
import scala.Tuple2;

/**
 * Reranks candidate sets with a qpeft reranker as one Spark job, reading and writing on any
 * Hadoop-compatible file system:
 *
 * <pre>{@code
 * RerankJob.Result r = RerankJob.builder()
 *     .setReranker(RerankerSpec.builder().setModel(ModelLocation.local(modelDir)).build())
 *     .setInput(RerankInput.trec("run.trec", "corpus.jsonl", "queries.jsonl"))
 *     .setOutput("hdfs:///reranked")                    // part files + _SUCCESS
 *     .optTopK(100)
 *     .build()
 *     .run(spark);
 * }</pre>
 *
 * <p>Output goes only through Spark's output commit protocol (the text data source): a task writes
 * its part file in a temporary attempt folder and only the one committed attempt of each partition
 * is moved into place, so task retries and speculative attempts never lose or duplicate a query.
 * Scoring happens in that writing stage and nowhere else, so no query is scored twice either
 * (except by an attempt whose output is discarded). Within each part file queries keep input order.
 */
public final class RerankJob {
  private final RerankerSpec reranker;
  private final RerankInput input;
  private final String output;
  private final CandidatesWriter.Format format;
  private final String tag;
  private final int topK;
  private final boolean skipBadRecords;
  private final int partitions;
  private final boolean overwrite;
  private final PartitionScorer.TaskHook hook;

  private RerankJob(Builder b) {
    this.reranker = Objects.requireNonNull(b.reranker, "setReranker is required");
    this.input = Objects.requireNonNull(b.input, "setInput is required");
    this.output = Objects.requireNonNull(b.output, "setOutput is required");
    this.format = b.format;
    this.tag = b.tag;
    this.topK = b.topK;
    this.skipBadRecords = b.skipBadRecords;
    this.partitions = b.partitions;
    this.overwrite = b.overwrite;
    this.hook = b.hook;
    if (format == CandidatesWriter.Format.DPR) {
      throw new UnsupportedOperationException(
          "the Spark job writes line formats (trec, jsonl), not DPR JSON");
    }
    if (tag == null || tag.isEmpty() || tag.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "--tag must be non-empty without spaces, got '" + tag + "'");
    }
    if (topK < 0) throw new IllegalArgumentException("--top-k must be >= 0 (0 = all), got " + topK);
    if (partitions < 0) {
      throw new IllegalArgumentException(
          "--partitions must be >= 0 (0 = default), got " + partitions);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * What the job did: the accumulators' totals, the output folder and its part files, and the
   * wall-clock seconds of the whole job (reading, joining, scoring, committing).
   */
  public record Result(
      long queries,
      long passages,
      long skipped,
      List<String> skippedExamples,
      List<String> modelLoads,
      String output,
      int partFiles,
      double seconds) {}

  /** Runs the job; bad input fails with the {@link BadRecordException} of the first bad record. */
  public Result run(SparkSession spark) {
    long start = System.nanoTime();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    checkOutput(spark);
    int n = partitions > 0 ? partitions : Math.max(1, 2 * jsc.defaultParallelism());
    JobCounters counters = new JobCounters(spark.sparkContext());
    SQLConf conf = spark.sessionState().conf();
    String oldPartitions = conf.getConfString(SQLConf.SHUFFLE_PARTITIONS().key(), null);
    String oldCoalesce = conf.getConfString(SQLConf.COALESCE_PARTITIONS_ENABLED().key(), null);
    try {
      // scoring parallelism is ours to choose: adaptive execution would merge partitions that are
      // small in bytes but long in LLM time
      conf.setConfString(SQLConf.SHUFFLE_PARTITIONS().key(), Integer.toString(n));
      conf.setConfString(SQLConf.COALESCE_PARTITIONS_ENABLED().key(), "false");
      Dataset<String> rows =
          input.format() == RerankInput.Format.JSONL
              ? jsonl(spark, jsc, n, counters)
              : trec(spark, jsc, counters);
      jsc.setJobDescription("qpeft: rerank into " + output);
      rows.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).text(output);
    } catch (Exception e) { // Spark throws the checked SparkException from Scala code
      BadRecordException bad = badRecordIn(e);
      if (bad != null) throw bad;
      if (e instanceof RuntimeException r) throw r;
      throw new IllegalStateException("the Spark job failed: " + LineFiles.rootMessage(e), e);
    } finally {
      jsc.setJobDescription(null);
      restore(conf, SQLConf.SHUFFLE_PARTITIONS().key(), oldPartitions);
      restore(conf, SQLConf.COALESCE_PARTITIONS_ENABLED().key(), oldCoalesce);
    }
    JobCounters.Totals t = counters.totals();
    return new Result(
        t.queries(),
        t.passages(),
        t.skipped(),
        t.skippedExamples(),
        t.modelLoads(),
        output,
        partFiles(spark),
        (System.nanoTime() - start) / 1e9);
  }

  private Dataset<String> jsonl(
      SparkSession spark, JavaSparkContext jsc, int n, JobCounters counters) {
    JavaRDD<Line> lines = LineFiles.read(jsc, input.path(), "--input");
    if (!skipBadRecords) {
      jsc.setJobDescription("qpeft: check the requests in " + input.path());
      lines.foreach(
          l -> JsonlRequest.parse(l.text(), l.ordinal(), 0, null, l.source(), l.number()));
    }
    int depth = topK;
    PartitionScorer<Line> scorer =
        scorer(
            counters,
            (l, policy) -> {
              try {
                return JsonlRequest.parse(
                    l.text(), l.ordinal(), depth, null, l.source(), l.number());
              } catch (BadRecordException e) {
                policy.badRecord(e);
                return null;
              }
            });
    // spread the queries over n partitions, each in input order (a deterministic layout, so a
    // retried task rebuilds exactly the partition its failed attempt had)
    JavaRDD<String> scored =
        lines
            .mapToPair(l -> new Tuple2<>(l.ordinal(), l))
            .repartitionAndSortWithinPartitions(new HashPartitioner(n))
            .values()
            .mapPartitions(scorer::score);
    return spark.createDataset(scored.rdd(), Encoders.STRING());
  }

  private Dataset<String> trec(SparkSession spark, JavaSparkContext jsc, JobCounters counters) {
    JavaRDD<Line> lines = LineFiles.read(jsc, input.path(), "--input");
    if (!skipBadRecords) {
      jsc.setJobDescription("qpeft: check the run " + input.path());
      lines.foreach(l -> TrecRun.parse(l.text(), l.source(), l.number()));
    }
    Dataset<Row> joined =
        TrecCandidates.join(
            TrecCandidates.runRows(spark, lines),
            Tables.corpus(spark, input.corpus(), !skipBadRecords),
            Tables.queries(spark, input.queries(), !skipBadRecords),
            topK);
    String queriesName = input.queries();
    PartitionScorer<Row> scorer =
        scorer(counters, (row, policy) -> TrecCandidates.toRecord(row, policy, queriesName));
    return joined.mapPartitions(scorer::score, Encoders.STRING());
  }

  private <T> PartitionScorer<T> scorer(JobCounters counters, PartitionScorer.Records<T> records) {
    return new PartitionScorer<>(reranker, format, tag, skipBadRecords, counters, records, hook);
  }

  private void checkOutput(SparkSession spark) {
    if (overwrite) return;
    try {
      Path p = new Path(output);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(p)) {
        throw new IllegalArgumentException(
            "--output " + output + " already exists; remove it or pass --overwrite");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("--output " + output + ": " + e.getMessage(), e);
    }
  }

  private int partFiles(SparkSession spark) {
    try {
      Path p = new Path(output);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      int count = 0;
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (s.isFile() && !name.startsWith("_") && !name.startsWith(".")) count++;
      }
      if (!fs.exists(new Path(p, PartFiles.SUCCESS))) {
        throw new IllegalStateException(output + " has no " + PartFiles.SUCCESS + " marker");
      }
      return count;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + output, e);
    }
  }

  private static void restore(SQLConf conf, String key, String value) {
    if (value == null) conf.unsetConf(key);
    else conf.setConfString(key, value);
  }

  /** The bad record behind a failed Spark job, if that is why it failed. */
  static BadRecordException badRecordIn(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof BadRecordException b) return b;
    }
    return null;
  }

  /** Builder: {@code setX} for what is required, {@code optX} for the rest. */
  public static final class Builder {
    private RerankerSpec reranker;
    private RerankInput input;
    private String output;
    private CandidatesWriter.Format format = CandidatesWriter.Format.TREC;
    private String tag = "qpeft";
    private int topK;
    private boolean skipBadRecords;
    private int partitions;
    private boolean overwrite;
    private PartitionScorer.TaskHook hook = PartitionScorer.TaskHook.NONE;

    public Builder setReranker(RerankerSpec reranker) {
      this.reranker = reranker;
      return this;
    }

    public Builder setInput(RerankInput input) {
      this.input = input;
      return this;
    }

    /** The output folder (part files + {@code _SUCCESS}); any Hadoop file system URI. */
    public Builder setOutput(String output) {
      this.output = output;
      return this;
    }

    /** {@code TREC} (default) or {@code JSONL}. */
    public Builder optFormat(CandidatesWriter.Format format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /** The TREC run tag (default {@code qpeft}). */
    public Builder optTag(String tag) {
      this.tag = tag;
      return this;
    }

    /** Rerank each query's first K candidates only; 0 (default) reranks all. */
    public Builder optTopK(int topK) {
      this.topK = topK;
      return this;
    }

    /** Skip (and count) malformed records instead of failing the job on the first one. */
    public Builder optSkipBadRecords(boolean skip) {
      this.skipBadRecords = skip;
      return this;
    }

    /** Scoring tasks (and part files); 0 (default) is twice the cluster's default parallelism. */
    public Builder optPartitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /** Replace an existing output folder instead of refusing to start. */
    public Builder optOverwrite(boolean overwrite) {
      this.overwrite = overwrite;
      return this;
    }

    /** For tests: called after each query a task writes (e.g. to fail a first attempt). */
    Builder optTaskHook(PartitionScorer.TaskHook hook) {
      this.hook = hook;
      return this;
    }

    public RerankJob build() {
      return new RerankJob(this);
    }
  }
}
