package io.qpeft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import io.qpeft.data.Qrels;
import io.qpeft.data.Query;
import io.qpeft.data.QueryReader;
import io.qpeft.experiment.ExperimentConfig;
import io.qpeft.experiment.ExperimentConfig.Kind;
import io.qpeft.experiment.ExperimentConfig.RerankerSpec;
import io.qpeft.experiment.ExperimentReport;
import io.qpeft.experiment.StepLog;
import io.qpeft.report.Figures;
import io.qpeft.train.EpochMetrics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The steps of {@code qpeft experiment}, each one the qpeft command that does it (so an experiment
 * behaves exactly as the commands run by hand): {@code index}, {@code retrieve}, {@code train} (for
 * rerankers that train their adapter), {@code rerank} per reranker, then {@code eval} with {@code
 * --json} and {@code --plot}. Finished steps are reused and interrupted ones resume ({@link
 * StepLog}).
 *
 * <pre>
 * OUT/experiment.json      the config as run (every path absolute)
 * OUT/steps.json           the step log
 * OUT/index/               BEIR: the Lucene index (unless retrieval.index names one)
 * OUT/queries.jsonl        BEIR: the queries of the evaluated split
 * OUT/runs/bm25.trec       BEIR: the first stage (and bm25.jsonl, the rerank input)
 * OUT/runs/NAME.trec       each reranker's run (NAME.json, DPR JSON, for DPR data)
 * OUT/adapters/NAME/       adapters trained by the experiment (with training_loss.png)
 * OUT/eval.json            qpeft eval --json: means, p-values, per-query values
 * OUT/report.json          runs, means, changes and p-values against the first stage, checks
 * OUT/results.md           the same as a Markdown table
 * OUT/hit-recall.png       Hit@k and Recall@k, k = 1..hits, every run
 * OUT/loss-NAME.png        loss curves of a listed adapter that has a training log
 * </pre>
 */
final class ExperimentRun {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper LINES = new ObjectMapper(); // one JSON object per line

  private final ExperimentConfig cfg;
  private final Path out;
  private final CommandSpec spec;
  private final PrintWriter err;
  private StepLog log;

  ExperimentRun(ExperimentConfig cfg, Path out, CommandSpec spec) {
    this.cfg = cfg;
    this.out = out;
    this.spec = spec;
    this.err = spec.commandLine().getErr();
  }

  int run() throws IOException {
    Files.createDirectories(out.resolve("runs"));
    try (AtomicOutput o = new AtomicOutput(out.resolve("experiment.json"))) {
      o.write(JSON.writeValueAsString(cfg.toTree()) + "\n");
      o.commit();
    }
    log = StepLog.open(out);
    List<ExperimentReport.Run> runs = new ArrayList<>();

    // 1. the first stage
    Path firstStage;
    Path candidates;
    ObjectNode firstStageSettings = JSON.createObjectNode();
    firstStageSettings.put("hits", cfg.retrieval().hits());
    String firstStageDescription;
    if (cfg.data().kind() == Kind.BEIR) {
      ObjectNode indexSettings = index();
      firstStage = out.resolve("runs/bm25.trec");
      candidates = out.resolve("runs/bm25.jsonl");
      firstStageSettings.set("index", indexSettings);
      firstStageSettings.put("split", cfg.data().split());
      // floats as the doubles they print as: the log reads numbers back as doubles
      firstStageSettings.put("k1", Double.parseDouble(Float.toString(cfg.retrieval().k1())));
      firstStageSettings.put("b", Double.parseDouble(Float.toString(cfg.retrieval().b())));
      Path queries = out.resolve("queries.jsonl");
      boolean reused =
          step(
              "retrieve",
              firstStageSettings,
              Files.isRegularFile(firstStage) && Files.isRegularFile(candidates),
              state -> {
                writeJudgedQueries(queries);
                cli(
                    "retrieve",
                    "--index",
                    indexDir().toString(),
                    "--queries",
                    queries.toString(),
                    "--hits",
                    Integer.toString(cfg.retrieval().hits()),
                    "--k1",
                    Float.toString(cfg.retrieval().k1()),
                    "--b",
                    Float.toString(cfg.retrieval().b()),
                    "--tag",
                    "bm25",
                    "--run",
                    firstStage.toString(),
                    "--jsonl",
                    candidates.toString());
              });
      firstStageDescription =
          String.format(
              "BM25 top-%d (k1 %s, b %s) of %s, qrels split %s",
              cfg.retrieval().hits(),
              cfg.retrieval().k1(),
              cfg.retrieval().b(),
              cfg.data().path().getFileName(),
              cfg.data().split());
      runs.add(
          new ExperimentReport.Run(
              "bm25", rel(firstStage), "BM25 (Lucene)", log.seconds("retrieve"), reused));
    } else {
      firstStage = cfg.data().path();
      candidates = firstStage;
      firstStageSettings.put("dpr", firstStage.toString());
      if (cfg.data().passages() != null)
        firstStageSettings.put("passages", cfg.data().passages().toString());
      firstStageDescription =
          String.format(
              "the top-%d ctxs of %s, judged by answer match",
              cfg.retrieval().hits(), firstStage.getFileName());
      runs.add(
          new ExperimentReport.Run(
              "first-stage", firstStage.toString(), "the DPR file's ctxs", Double.NaN, true));
    }

    // 2. each reranker (training its adapter first when asked to)
    Map<String, String> figures = new LinkedHashMap<>();
    for (RerankerSpec r : cfg.rerankers()) {
      ObjectNode settings = JSON.createObjectNode();
      settings.set("reranker", ExperimentConfig.specTree(r));
      settings.set("candidates", firstStageSettings);
      Path adapter = r.adapter();
      if (r.train() != null) {
        adapter = train(r, firstStageSettings);
        settings.set("train", JSON.createObjectNode().put("adapter", adapter.toString()));
        figures.put("loss-" + r.name(), rel(adapter.resolve(TrainCommand.LOSS_FIGURE)));
      } else if (adapter != null) {
        String loss = lossFigure(r.name(), adapter);
        if (loss != null) figures.put("loss-" + r.name(), loss);
      }
      boolean dpr = cfg.data().kind() == Kind.DPR;
      Path run = out.resolve("runs/" + r.name() + (dpr ? ".json" : ".trec"));
      List<String> args = new ArrayList<>();
      args.addAll(List.of("rerank", "--model", r.model()));
      if (adapter != null) args.addAll(List.of("--adapter", adapter.toString()));
      args.addAll(List.of("--input", candidates.toString(), "--output", run.toString()));
      args.addAll(List.of("--top-k", Integer.toString(cfg.retrieval().hits())));
      if (dpr && cfg.data().passages() != null)
        args.addAll(List.of("--passages", cfg.data().passages().toString()));
      if (!dpr) args.addAll(List.of("--tag", r.name()));
      args.addAll(r.args());
      String id = "rerank:" + r.name();
      boolean reused =
          step(
              id,
              settings,
              Files.isRegularFile(run),
              state -> {
                // a journal of other settings belongs to an older version of this experiment
                if (state == StepLog.State.NEW) Files.deleteIfExists(RerankJournal.nextTo(run));
                cli(args.toArray(String[]::new));
              });
      runs.add(
          new ExperimentReport.Run(
              r.name(), rel(run), describe(r, adapter), log.seconds(id), reused));
    }

    // 3. evaluate side by side, draw, report
    Path evalJson = out.resolve("eval.json");
    Path plot = out.resolve("hit-recall.png");
    List<String> eval = new ArrayList<>(List.of("eval"));
    eval.addAll(List.of("--run", firstStage.toString()));
    for (ExperimentReport.Run r : runs.subList(1, runs.size()))
      eval.addAll(List.of("--run", out.resolve(r.file()).toString()));
    for (ExperimentReport.Run r : runs) eval.addAll(List.of("--label", r.name()));
    if (cfg.data().kind() == Kind.BEIR) {
      eval.addAll(
          List.of(
              "--qrels",
              cfg.data().path().resolve("qrels/" + cfg.data().split() + ".tsv").toString()));
    } else {
      eval.addAll(List.of("--answers", firstStage.toString()));
      if (cfg.data().passages() != null)
        eval.addAll(List.of("--passages", cfg.data().passages().toString()));
    }
    eval.addAll(List.of("--depth", Integer.toString(cfg.retrieval().hits())));
    eval.addAll(List.of("--measures", measures()));
    eval.addAll(List.of("--json", evalJson.toString(), "--plot", plot.toString()));
    cliQuiet(eval.toArray(String[]::new));
    figures.put("hit_recall", rel(plot));

    ExperimentReport report = new ExperimentReport(cfg, runs, evalJson);
    report.writeJson(out.resolve("report.json"), figures);
    String md = report.markdown(firstStageDescription);
    try (AtomicOutput o = new AtomicOutput(out.resolve("results.md"))) {
      o.write(md);
      o.commit();
    }
    PrintWriter stdout = spec.commandLine().getOut();
    stdout.print(md);
    stdout.flush();
    err.println(
        "qpeft experiment: wrote "
            + out.resolve("results.md")
            + ", report.json, "
            + String.join(", ", figures.values()));
    long failed = report.failedChecks();
    if (failed > 0) {
      err.println(
          spec.qualifiedName()
              + ": "
              + failed
              + " of "
              + report.checks().size()
              + " expected figures are off (see results.md)");
      err.flush();
      return 1;
    }
    return 0;
  }

  /** Builds the index unless it is there (a given index folder that exists is used as it is). */
  private ObjectNode index() throws IOException {
    ObjectNode settings = JSON.createObjectNode();
    settings.put("corpus", cfg.data().path().toString());
    Path dir = indexDir();
    settings.put("index", dir.toString());
    boolean exists = Files.isDirectory(dir) && hasIndexFiles(dir);
    if (cfg.retrieval().index() != null
        && exists
        && log.state("index", settings, true) == StepLog.State.NEW) {
      err.println("qpeft experiment: using the index " + dir + " as it is");
      return settings;
    }
    step(
        "index",
        settings,
        exists,
        state -> cli("index", "--corpus", cfg.data().path().toString(), "--index", dir.toString()));
    return settings;
  }

  private Path indexDir() {
    return cfg.retrieval().index() != null ? cfg.retrieval().index() : out.resolve("index");
  }

  private static boolean hasIndexFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().startsWith("segments_"));
    }
  }

  /** Trains reranker {@code r}'s adapter into OUT/adapters/NAME unless it is done. */
  private Path train(RerankerSpec r, ObjectNode firstStageSettings) throws IOException {
    Path dir = out.resolve("adapters/" + r.name());
    ExperimentConfig.Train t = r.train();
    ObjectNode settings = JSON.createObjectNode();
    settings.set("reranker", ExperimentConfig.specTree(r));
    if (cfg.data().kind() == Kind.BEIR) settings.set("index", firstStageSettings.get("index"));
    List<String> args = new ArrayList<>(List.of("train", "--model", r.model()));
    args.addAll(List.of("--variant", t.variant(), "--output", dir.toString()));
    if (t.data() != null) {
      args.addAll(List.of("--train", t.data().toString()));
    } else {
      args.addAll(List.of("--train", cfg.data().path().toString(), "--split", t.split()));
    }
    if (t.dev() != null) args.addAll(List.of("--dev", t.dev().toString()));
    if (t.devSplit() != null) {
      if (t.dev() == null) args.addAll(List.of("--dev", cfg.data().path().toString()));
      args.addAll(List.of("--dev-split", t.devSplit()));
    }
    if (cfg.data().kind() == Kind.BEIR && t.data() == null)
      args.addAll(List.of("--index", indexDir().toString()));
    args.addAll(t.args());
    step(
        "train:" + r.name(),
        settings,
        Files.isRegularFile(dir.resolve("adapter_config.json")),
        state -> {
          if (state == StepLog.State.NEW) deleteTree(dir); // an adapter of other settings
          else args.add("--resume"); // continues from the checkpoint, if there is one
          cli(args.toArray(String[]::new));
        });
    return dir;
  }

  /** Draws a listed adapter's loss curves into OUT/loss-NAME.png, when it has a training log. */
  private String lossFigure(String name, Path adapter) throws IOException {
    Path logFile = adapter.resolve("training_log.jsonl");
    if (!Files.isRegularFile(logFile)) return null;
    List<EpochMetrics> history = new ArrayList<>();
    for (String line : Files.readAllLines(logFile)) {
      if (!line.isBlank()) history.add(EpochMetrics.fromJson(JSON.readTree(line)));
    }
    if (history.isEmpty()) return null;
    Path png = out.resolve("loss-" + name + ".png");
    Figures.loss(history).write(png);
    return rel(png);
  }

  /** One step: reused when done, else run (and timed). Returns whether it was reused. */
  private boolean step(String id, ObjectNode settings, boolean outputExists, Body body)
      throws IOException {
    StepLog.State state = log.state(id, settings, outputExists);
    if (state == StepLog.State.DONE) {
      err.println("qpeft experiment: " + id + ": done earlier, reused");
      return true;
    }
    String changed = log.changes(id, settings);
    err.println(
        "qpeft experiment: "
            + id
            + (state == StepLog.State.STARTED
                ? ": resuming"
                : changed != null ? ": settings changed (" + changed + "), running again" : ""));
    long start = System.nanoTime();
    log.started(id, settings);
    body.run(state);
    log.finished(id, (System.nanoTime() - start) / 1e9);
    return false;
  }

  @FunctionalInterface
  private interface Body {
    void run(StepLog.State state) throws IOException;
  }

  /** Runs a qpeft command in this process, with this command's writers. */
  private void cli(String... args) {
    int code =
        new CommandLine(new Main()).setOut(spec.commandLine().getOut()).setErr(err).execute(args);
    if (code != 0)
      throw new IllegalArgumentException(
          "step 'qpeft " + args[0] + "' failed (exit " + code + "); its message is above");
  }

  /** As {@link #cli}, keeping the command's stdout (the report shows its figures). */
  private void cliQuiet(String... args) {
    StringWriter sink = new StringWriter();
    int code = new CommandLine(new Main()).setOut(new PrintWriter(sink)).setErr(err).execute(args);
    if (code != 0)
      throw new IllegalArgumentException(
          "step 'qpeft " + args[0] + "' failed (exit " + code + "); its message is above");
  }

  /** The configured measures plus any that an expected figure names. */
  private String measures() {
    Set<String> all = new LinkedHashSet<>(List.of(cfg.measureList().split(",")));
    cfg.expected().values().forEach(m -> all.addAll(m.keySet()));
    return String.join(",", all);
  }

  /** The judged queries of the split, as BEIR JSONL (retrieval needs no others). */
  private void writeJudgedQueries(Path file) {
    Set<String> judged =
        Qrels.read(cfg.data().path().resolve("qrels/" + cfg.data().split() + ".tsv")).qids();
    try (AtomicOutput o = new AtomicOutput(file)) {
      int n = 0;
      for (Query q : QueryReader.read(cfg.data().path())) {
        if (!judged.contains(q.qid())) continue;
        ObjectNode line = JSON.createObjectNode().put("_id", q.qid()).put("text", q.text());
        o.write(LINES.writeValueAsString(line) + "\n");
        n++;
      }
      if (n == 0)
        throw new IllegalArgumentException(
            cfg.data().path()
                + ": no query of queries.jsonl is judged in qrels/"
                + cfg.data().split()
                + ".tsv");
      o.commit();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** How a run was made, as the rerank options that made it. */
  private static String describe(RerankerSpec r, Path adapter) {
    StringBuilder s = new StringBuilder("qpeft rerank --model ").append(r.model());
    if (adapter != null) s.append(" --adapter ").append(adapter.getFileName());
    for (String a : r.args()) s.append(' ').append(a);
    return s.toString();
  }

  private String rel(Path p) {
    return p.startsWith(out) ? out.relativize(p).toString() : p.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
