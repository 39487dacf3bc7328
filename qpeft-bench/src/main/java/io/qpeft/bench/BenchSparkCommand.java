package io.qpeft.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.cli.Cli;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.CandidatesWriter;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.data.RecordReader;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-bench bench-spark}: the Spark job's scaling and overhead. The reference is plain
 * reranking in this process as {@code qpeft rerank} does it (one PyTorch thread, model load
 * included); then the same input goes through {@code bin/qpeft-spark} with {@code local[N]} (N task
 * threads, one PyTorch thread each) for every N asked. Each Spark run reports the job's own time
 * (from the model load in the tasks to the committed output, without JVM and Spark start-up) and
 * the whole process; scores are checked against the reference.
 */
@Command(
    name = "bench-spark",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark the Spark job: passages/s with 1, 2, ... task threads, against plain reranking.")
public final class BenchSparkCommand implements Callable<Integer> {
  static final Path TINY_LLAMA =
      Path.of("qpeft-core/src/test/resources/fixtures/models/tiny-llama");
  private static final Pattern SCORED =
      Pattern.compile("qpeft-spark: scored (\\d+) queries, (\\d+) passages in ([0-9.]+) s");

  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "DIR",
      description =
          "Model folder (default: a random Llama of --hidden x --layers with the fixture tokenizer).")
  Path model;

  @Option(
      names = "--hidden",
      defaultValue = "256",
      description = "Random model: hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(
      names = "--layers",
      defaultValue = "4",
      description = "Random model: layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--input",
      defaultValue = "examples/rerank-requests.jsonl",
      description = "JSONL requests (default: ${DEFAULT-VALUE}).")
  Path input;

  @Option(
      names = "--repeat",
      defaultValue = "10",
      description = "Copies of the input's queries, with new ids (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(
      names = "--executors",
      split = ",",
      defaultValue = "1,2",
      description = "Task threads N of each Spark run, local[N] (default: ${DEFAULT-VALUE}).")
  List<Integer> executors;

  @Option(
      names = "--launcher",
      defaultValue = "bin/qpeft-spark",
      description = "The Spark job launcher (default: ${DEFAULT-VALUE}).")
  Path launcher;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::bench);
  }

  private int bench() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (repeat <= 0) throw new IllegalArgumentException("--repeat must be positive, got " + repeat);
    for (int n : executors) {
      if (n <= 0) throw new IllegalArgumentException("--executors must be positive, got " + n);
    }
    if (!Files.isExecutable(launcher)) {
      throw new IllegalArgumentException(
          "--launcher " + launcher + " is not an executable (run from the project folder)");
    }
    String loadBefore = loadAverage();
    Path dir = Files.createTempDirectory("qpeft-bench-spark");
    try {
      Path modelDir =
          model != null
              ? model
              : RandomLlamaFolder.write(dir.resolve("model"), TINY_LLAMA, hidden, layers, 42);
      Path requests = replicate(dir.resolve("requests.jsonl"));
      out.printf(
          Locale.ROOT,
          "model: %s; input: %s x %d%n",
          model != null ? model : "random Llama, hidden " + hidden + ", " + layers + " layers",
          input,
          repeat);
      out.flush();

      Engine.getEngine("PyTorch");
      JniUtils.setNumThreads(1);
      Path plainOut = dir.resolve("plain.trec");
      long t0 = System.nanoTime();
      long passages = plain(modelDir, requests, plainOut);
      double plainSeconds = (System.nanoTime() - t0) / 1e9;
      Map<String, List<RunEntry>> reference = TrecRun.read(plainOut);

      out.printf(
          Locale.ROOT,
          "%-32s %9s %12s %10s %12s%n",
          "run",
          "seconds",
          "passages/s",
          "vs plain",
          "process s");
      out.printf(
          Locale.ROOT,
          "%-32s %9.1f %12.1f %9.2fx %12s%n",
          "plain rerank, 1 thread",
          plainSeconds,
          passages / plainSeconds,
          1.0,
          "-");
      out.flush();
      List<double[]> spark = new ArrayList<>();
      for (int n : executors) {
        Path sparkOut = dir.resolve("spark-" + n);
        long s0 = System.nanoTime();
        double jobSeconds = spark(modelDir, requests, sparkOut, n, passages, dir);
        double processSeconds = (System.nanoTime() - s0) / 1e9;
        double diff = maxDifference(reference, TrecRun.read(sparkOut));
        spark.add(new double[] {n, jobSeconds});
        out.printf(
            Locale.ROOT,
            "%-32s %9.1f %12.1f %9.2fx %12.1f   max |score - plain| %.1e%n",
            "spark local[" + n + "], job",
            jobSeconds,
            passages / jobSeconds,
            plainSeconds / jobSeconds,
            processSeconds,
            diff);
        out.flush();
      }
      for (int i = 1; i < spark.size(); i++) {
        out.printf(
            Locale.ROOT,
            "scaling local[%d] / local[%d]: %.2fx passages/s%n",
            (int) spark.get(i)[0],
            (int) spark.get(0)[0],
            spark.get(0)[1] / spark.get(i)[1]);
      }
      out.printf(
          Locale.ROOT,
          "overhead of the Spark job at local[%d] vs plain rerank: %+.0f%%%n",
          (int) spark.get(0)[0],
          100 * (spark.get(0)[1] / plainSeconds - 1));
      out.printf(
          "cores: %d; load average before/after: %s / %s%n",
          Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage());
      out.flush();
      return 0;
    } finally {
      deleteTree(dir);
    }
  }

  /** The input's queries {@code repeat} times, ids suffixed {@code -r1}, {@code -r2}, ... */
  private Path replicate(Path target) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<String> lines = Files.readAllLines(input);
    List<String> out = new ArrayList<>();
    for (int r = 1; r <= repeat; r++) {
      for (String line : lines) {
        if (line.isBlank()) continue;
        ObjectNode node = (ObjectNode) json.readTree(line);
        ObjectNode q = (ObjectNode) node.get("query");
        q.put("qid", q.get("qid").asText() + "-r" + r);
        out.add(node.toString());
      }
    }
    Files.write(target, out);
    return target;
  }

  /** What {@code qpeft rerank} does, without the journal: load, read, score in groups, write. */
  private static long plain(Path modelDir, Path requests, Path output) {
    long passages = 0;
    try (Reranker reranker = RerankerFactory.builder().build().open(modelDir);
        RecordReader<CandidatesRecord> in =
            CandidatesReader.openRecords(CandidatesSource.jsonl(requests), ErrorPolicy.FAIL);
        CandidatesWriter w = CandidatesWriter.open(output, CandidatesWriter.Format.TREC, "plain")) {
      List<CandidatesRecord> group = new ArrayList<>();
      int inGroup = 0;
      while (in.hasNext()) {
        CandidatesRecord r = in.next();
        group.add(r);
        inGroup += r.candidates().candidates().size();
        passages += r.candidates().candidates().size();
        if (inGroup >= 256 || !in.hasNext()) {
          List<Query> qs = new ArrayList<>();
          List<List<Passage>> ps = new ArrayList<>();
          for (CandidatesRecord g : group) {
            Candidates c = g.candidates();
            qs.add(c.query());
            ps.add(c.passages());
          }
          List<double[]> scores = reranker.scoreAll(qs, ps);
          for (int i = 0; i < group.size(); i++) w.write(group.get(i), scores.get(i));
          group.clear();
          inGroup = 0;
        }
      }
      w.commit();
    }
    return passages;
  }

  /** Runs the Spark job in a child process; returns the job's own seconds. */
  private double spark(Path modelDir, Path requests, Path output, int n, long passages, Path dir)
      throws IOException, InterruptedException {
    Path log = dir.resolve("spark-" + n + ".log");
    Process p =
        new ProcessBuilder(
                launcher.toString(),
                "--master",
                "local[" + n + "]",
                "--conf",
                "spark.ui.enabled=false",
                "--model",
                modelDir.toString(),
                "--input",
                requests.toString(),
                "--output",
                output.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("the Spark run local[" + n + "] did not finish in 30 min");
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    Matcher m = SCORED.matcher(text);
    if (p.exitValue() != 0 || !m.find()) {
      throw new IllegalStateException(
          "the Spark run local[" + n + "] failed (exit " + p.exitValue() + "):\n" + text);
    }
    if (Long.parseLong(m.group(2)) != passages) {
      throw new IllegalStateException(
          "the Spark run scored " + m.group(2) + " passages, expected " + passages);
    }
    return Double.parseDouble(m.group(3));
  }

  /** The largest score difference between two runs of the same queries and documents. */
  static double maxDifference(Map<String, List<RunEntry>> a, Map<String, List<RunEntry>> b) {
    if (!a.keySet().equals(b.keySet())) {
      throw new IllegalStateException("the runs have different queries");
    }
    double max = 0;
    for (String qid : a.keySet()) {
      Map<String, Double> scores = new java.util.HashMap<>();
      for (RunEntry e : b.get(qid)) scores.put(e.docid(), e.score());
      for (RunEntry e : a.get(qid)) {
        Double other = scores.get(e.docid());
        if (other == null) throw new IllegalStateException(qid + "/" + e.docid() + " is missing");
        max = Math.max(max, Math.abs(other - e.score()));
      }
    }
    return max;
  }

  /** The 1-minute load average (other processes compete for the cores), or "n/a". */
  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
