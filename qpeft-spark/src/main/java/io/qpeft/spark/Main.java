package io.qpeft.spark;

import io.qpeft.data.CandidatesWriter;
import io.qpeft.hub.HubException;
import io.qpeft.rerank.Aggregation;
import io.qpeft.rerank.KnownRerankers;
import io.qpeft.rerank.RerankMethod;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-spark}: the Spark job's command line, with the options of {@code qpeft rerank}. Run
 * it with {@code spark-submit --class io.qpeft.spark.Main qpeft-spark.jar ...} on a cluster, or
 * with {@code bin/qpeft-spark --master local[2] ...} on one machine.
 */
@Command(
    name = "qpeft-spark",
    mixinStandardHelpOptions = true,
    version = "qpeft-spark 0.1.0",
    description = {
      "Rerank candidate passages with a frozen LLM as a Spark job: any qpeft method (UPR, a Q-PEFT adapter, yes/no rerankers).",
      "Input: JSONL requests with passage texts, or a TREC run + --corpus + --queries (joined in Spark).",
      "Output: a folder of part files + _SUCCESS (TREC run or JSONL); qpeft eval reads it as a run."
    })
public final class Main implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master, e.g. local[2] (default: what spark-submit set).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "A Spark setting, e.g. spark.task.cpus=2; repeatable.")
  List<String> conf = new ArrayList<>();

  @Option(
      names = "--model",
      required = true,
      paramLabel = "MODEL",
      description =
          "Model folder (Hugging Face layout; the same path on every executor), a URI (hdfs://, s3a://, file:/; shipped to executors) or a hub id org/name[@revision].")
  String model;

  @Option(
      names = "--method",
      paramLabel = "METHOD",
      description =
          "upr (query likelihood), qpeft (with --adapter), qwen3-reranker, bge-gemma or yesno"
              + " (your own --template and --answer-tokens). Default: qpeft with --adapter; the"
              + " model's own method when it is a known reranker; else upr.")
  String method;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description =
          "A Q-PEFT adapter folder from qpeft train (folder or URI, as --model); method qpeft.")
  String adapter;

  @Option(
      names = "--instruction",
      paramLabel = "TEXT",
      description = "Yes/no methods: the instruction (default: the model card's).")
  String instruction;

  @Option(
      names = "--answer-tokens",
      paramLabel = "YES[,NO]",
      split = ",",
      hideParamSyntax = true,
      description = "yesno: the answer token scored, or YES,NO (probability of YES over the two).")
  List<String> answerTokens;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "PATH",
      description =
          "JSONL requests, or a TREC run with --corpus and --queries (a file, folder or glob).")
  String input;

  @Option(
      names = "--corpus",
      paramLabel = "PATH",
      description = "Passages for a TREC run: BEIR corpus.jsonl or folder, or Parquet.")
  String corpus;

  @Option(
      names = "--queries",
      paramLabel = "PATH",
      description = "Query texts for a TREC run: BEIR queries.jsonl or folder, or Parquet.")
  String queries;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "DIR",
      description = "Output folder: part files + _SUCCESS, committed by Spark.")
  String output;

  @Option(
      names = "--format",
      paramLabel = "FMT",
      description = "trec or jsonl (default: jsonl when --output ends in .jsonl, else trec).")
  String format;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      defaultValue = "0",
      description = "Rerank only each query's first K candidates; 0 = all (default).")
  int topK;

  @Option(
      names = "--template",
      paramLabel = "PROMPT",
      description =
          "upr: 'upr' (default) or a prompt with {passage}, {title} or {text}. yesno: the prompt"
              + " with {query}, {passage} and optionally {instruction}. \\n means a newline.")
  String template;

  @Option(
      names = "--target-template",
      paramLabel = "TARGET",
      description = "upr: the scored text, with {query} (default: ' {query}').")
  String targetTemplate;

  @Option(
      names = "--max-passage-tokens",
      paramLabel = "N",
      defaultValue = "300",
      description = "Passage tokens kept (default: ${DEFAULT-VALUE}).")
  int maxPassageTokens;

  @Option(
      names = "--aggregation",
      paramLabel = "AGG",
      description = "upr: query token log-likelihoods -> score: mean (default) or sum.")
  String aggregation;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      description =
          "Padded tokens per forward pass (default: 2048 on a CPU; on a GPU derived from its free"
              + " memory).")
  Integer batchTokens;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      defaultValue = "auto",
      description =
          "Where each executor runs the model: auto (its first GPU if the CUDA build sees one, else"
              + " the CPU), cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--dtype",
      paramLabel = "DTYPE",
      defaultValue = "auto",
      description =
          "Weights and forward pass: auto (F32 on a CPU, the checkpoint's half precision on a GPU),"
              + " f32 or f16 (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      defaultValue = "qpeft",
      description = "Run tag in TREC output (default: ${DEFAULT-VALUE}).")
  String tag;

  @Option(
      names = "--on-error",
      paramLabel = "POLICY",
      defaultValue = "fail",
      description =
          "fail: stop at the first malformed record; skip: leave it out and count it (default: ${DEFAULT-VALUE}).")
  String onError;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "0",
      description = "Scoring tasks and part files (default 0: twice the default parallelism).")
  int partitions;

  @Option(names = "--overwrite", description = "Replace an existing output folder.")
  boolean overwrite;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return rerank(err);
    } catch (IllegalArgumentException
        | UnsupportedOperationException
        | UncheckedIOException
        | HubException e) {
      err.println("qpeft-spark: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      err.flush();
      return 1;
    }
  }

  private int rerank(PrintWriter err) {
    boolean skip =
        switch (onError.toLowerCase(Locale.ROOT)) {
          case "skip" -> true;
          case "fail" -> false;
          default ->
              throw new IllegalArgumentException(
                  "--on-error '" + onError + "' is not one of: skip, fail");
        };
    CandidatesWriter.Format outFormat =
        format != null
            ? CandidatesWriter.Format.parse(format)
            : output.replaceAll("/+$", "").endsWith(".jsonl")
                ? CandidatesWriter.Format.JSONL
                : CandidatesWriter.Format.TREC;
    RerankInput in =
        corpus != null || queries != null
            ? RerankInput.trec(input, corpus, queries)
            : RerankInput.jsonl(input);
    SparkConf sparkConf = new SparkConf().setAppName("qpeft-spark rerank " + input);
    for (Map.Entry<String, String> e : settings().entrySet())
      sparkConf.set(e.getKey(), e.getValue());
    if (master != null) sparkConf.setMaster(master);
    if (!sparkConf.contains("spark.master")) {
      throw new IllegalArgumentException(
          "no Spark master: give --master (e.g. local[2]) or run through spark-submit");
    }
    SparkSession spark = SparkSession.builder().config(sparkConf).getOrCreate();
    try {
      if (batchTokens != null && batchTokens <= 0) {
        throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
      }
      ModelLocation modelLocation = ModelLocation.prepare(spark.sparkContext(), model, "--model");
      RerankerSpec reranker =
          RerankerSpec.builder()
              .setModel(modelLocation)
              .optMethod(method(modelLocation, err))
              .optAdapter(
                  adapter == null
                      ? null
                      : ModelLocation.prepare(spark.sparkContext(), adapter, "--adapter"))
              .optTemplate(unescape(template))
              .optTarget(unescape(targetTemplate))
              .optAggregation(aggregation == null ? null : Aggregation.parse(aggregation))
              .optInstruction(unescape(instruction))
              .optAnswerTokens(
                  answerTokens == null ? null : answerTokens.stream().map(Main::unescape).toList())
              .optMaxPassageTokens(maxPassageTokens)
              .optBatchTokens(batchTokens == null ? 0 : batchTokens)
              .optDevice(device)
              .optDType(dtype)
              .build();
      RerankJob.Result r =
          RerankJob.builder()
              .setReranker(reranker)
              .setInput(in)
              .setOutput(output)
              .optFormat(outFormat)
              .optTag(tag)
              .optTopK(topK)
              .optSkipBadRecords(skip)
              .optPartitions(partitions)
              .optOverwrite(overwrite)
              .build()
              .run(spark);
      report(err, r, outFormat);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /**
   * {@code --method}, else qpeft with an adapter, else a known reranker's own method (said on
   * stderr, as {@code qpeft rerank} does), else upr.
   */
  private RerankMethod method(ModelLocation location, PrintWriter err) {
    if (method != null) return RerankMethod.parse(method);
    if (adapter != null) return RerankMethod.QPEFT;
    Optional<KnownRerankers.Match> known =
        KnownRerankers.detect(model, location.shipped() ? null : Path.of(location.value()));
    if (known.isEmpty()) return RerankMethod.UPR;
    KnownRerankers.Match k = known.get();
    err.println(
        "qpeft-spark: "
            + k.name()
            + " ("
            + k.source()
            + ") is a known reranker: using --method "
            + k.method()
            + " (give --method to choose another)");
    err.flush();
    return k.method();
  }

  /** Shell-friendly escapes in templates, as {@code qpeft rerank} reads them: \\n and \\t. */
  static String unescape(String s) {
    return s == null ? null : s.replace("\\n", "\n").replace("\\t", "\t");
  }

  private Map<String, String> settings() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String kv : conf) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("--conf " + kv + ": expected KEY=VALUE");
      out.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return out;
  }

  static void report(PrintWriter err, RerankJob.Result r, CandidatesWriter.Format format) {
    for (String e : r.skippedExamples()) err.println("qpeft-spark: skipped " + e);
    if (r.skipped() > r.skippedExamples().size()) {
      err.println(
          "qpeft-spark: ... and "
              + (r.skipped() - r.skippedExamples().size())
              + " more skipped records (see the executor logs)");
    }
    long jvms = r.modelLoads().stream().distinct().count();
    err.printf(
        Locale.ROOT,
        "qpeft-spark: scored %d queries, %d passages in %.1f s (%.1f passages/s); skipped %d bad"
            + " records; model loads: %d, in %d executor JVMs%n",
        r.queries(),
        r.passages(),
        r.seconds(),
        r.passages() / Math.max(r.seconds(), 1e-9),
        r.skipped(),
        r.modelLoads().size(),
        jvms);
    err.printf(
        Locale.ROOT,
        "qpeft-spark: wrote %s (%s, %d part files + _SUCCESS)%n",
        r.output(),
        format.name().toLowerCase(Locale.ROOT),
        r.partFiles());
    err.flush();
  }
}
