package io.qpeft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import io.qpeft.data.PartFiles;
import io.qpeft.data.Qrels;
import io.qpeft.eval.AnswerJudgments;
import io.qpeft.eval.AnswerMatcher;
import io.qpeft.eval.Evaluation;
import io.qpeft.eval.Measure;
import io.qpeft.eval.RankMeasure;
import io.qpeft.eval.Rankings;
import io.qpeft.report.Figure;
import io.qpeft.report.Figures;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft eval}: evaluates one or more runs against qrels or gold answers and compares them
 * with the first run (relative change and paired t-test p-value per measure).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate runs against qrels (trec_eval semantics) or answers (DPR has_answer).",
      "Runs: TREC run files, DPR/UPR JSON or JSONL rerank output, or a job's output folder (part files + _SUCCESS, as qpeft-spark writes). The first run is the baseline."
    })
public final class EvalCommand implements Callable<Integer> {
  static final String QRELS_MEASURES = "nDCG@10,RR@10,R@100,AP";
  static final String ANSWER_MEASURES = "Hit@1,Hit@5,Hit@10,Hit@20,Recall@10";

  @Spec CommandSpec spec;

  @Option(
      names = "--run",
      required = true,
      paramLabel = "FILE",
      description = "Run to evaluate; repeat to compare.")
  List<Path> runs;

  @Option(
      names = "--label",
      paramLabel = "NAME",
      description =
          "Name of each run in the table, JSON and figure, in --run order (default: file names).")
  List<String> labels;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Relevance relevance;

  static final class Relevance {
    @Option(
        names = "--qrels",
        paramLabel = "FILE",
        description = "TREC/BEIR qrels (or a BEIR folder).")
    Path qrels;

    @Option(
        names = "--answers",
        paramLabel = "FILE",
        description = "DPR JSON or JSONL with gold answers per question.")
    Path answers;
  }

  @Option(
      names = "--regex",
      description = "With --answers: answers are regular expressions (CuratedTREC).")
  boolean regex;

  @Option(
      names = "--passages",
      paramLabel = "FILE",
      description = "Collection for JSON runs whose ctxs lack text.")
  Path passages;

  @Option(
      names = "--measures",
      paramLabel = "LIST",
      description =
          "Comma-separated measures (default: "
              + QRELS_MEASURES
              + " with --qrels, "
              + ANSWER_MEASURES
              + " with --answers).")
  String measures;

  @Option(
      names = "--rel-threshold",
      defaultValue = "1",
      paramLabel = "N",
      description = "Minimum grade that counts as relevant (default: ${DEFAULT-VALUE}).")
  int threshold;

  @Option(
      names = "--depth",
      defaultValue = "0",
      paramLabel = "N",
      description = "Cut every ranking to its top N first (0 = all).")
  int depth;

  @Option(names = "--per-query", description = "Also print run, measure, qid and value per query.")
  boolean perQuery;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write all results as JSON.")
  Path json;

  @Option(
      names = "--plot",
      paramLabel = "FILE",
      description =
          "Also draw Hit@k and Recall@k for k = 1..depth (--depth, else the longest ranking, at most "
              + PLOT_MAX_DEPTH
              + "), every run side by side, into FILE.png or FILE.svg.")
  Path plot;

  /** Deepest k plotted when --depth is not given (the papers plot k = 1..100). */
  static final int PLOT_MAX_DEPTH = 100;

  @Override
  public Integer call() {
    return Cli.run(spec, this::evaluate);
  }

  private int evaluate() {
    if (depth < 0) throw new IllegalArgumentException("--depth must be >= 0, got " + depth);
    if (regex && relevance.answers == null)
      throw new IllegalArgumentException("--regex needs --answers");
    List<Measure> ms =
        Measure.parseList(
            measures != null
                ? measures
                : relevance.qrels != null ? QRELS_MEASURES : ANSWER_MEASURES,
            threshold);
    if (ms.isEmpty()) throw new IllegalArgumentException("--measures is empty");
    if (plot != null) Figure.format(plot); // an unsupported name fails before any work
    for (Path r : runs)
      if (!Files.isRegularFile(r) && !PartFiles.isOutputFolder(r))
        throw new IllegalArgumentException(
            "run " + r + " does not exist (a run is a file or a job's output folder)");

    // 1. rankings per run (and, with answers, judgments grown from every run's passages)
    Map<String, Map<String, Integer>> judgments;
    List<Map<String, List<String>>> rankings = new ArrayList<>();
    if (relevance.qrels != null) {
      judgments = Qrels.read(relevance.qrels).asMap();
      for (Path r : runs) rankings.add(Rankings.read(r, null, passages));
    } else {
      AnswerJudgments answers =
          new AnswerJudgments(regex ? AnswerMatcher.REGEX : AnswerMatcher.STRING);
      answers.addAnswers(relevance.answers, passages);
      for (Path r : runs) rankings.add(Rankings.read(r, answers, passages));
      judgments = answers.judgments();
    }
    if (depth > 0) {
      for (Map<String, List<String>> run : rankings)
        run.replaceAll((q, list) -> list.subList(0, Math.min(depth, list.size())));
    }

    // 2. evaluate and report
    List<String> names = runNames();
    List<EvaluatedRun> evaluated = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      Map<String, List<String>> ranking = rankings.get(r);
      evaluated.add(
          new EvaluatedRun(
              names.get(r), runs.get(r), ranking, Evaluation.of(ranking, judgments, ms)));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (perQuery) printPerQuery(out, evaluated);
    printSummary(out, evaluated);
    if (json != null) writeJson(evaluated);
    if (plot != null) plot(evaluated, judgments);
    out.flush();
    return 0;
  }

  /**
   * One run as evaluated.
   *
   * @param name its name in the table, the JSON and the figure
   * @param path its file or folder
   * @param ranking docids per query, best first (cut to --depth)
   * @param evaluation its measures
   */
  private record EvaluatedRun(
      String name, Path path, Map<String, List<String>> ranking, Evaluation evaluation) {}

  /** Hit@k and Recall@k curves of every run, k = 1..depth, into {@link #plot}. */
  private void plot(List<EvaluatedRun> evaluated, Map<String, Map<String, Integer>> judgments) {
    int deepest = 1;
    for (EvaluatedRun run : evaluated)
      for (List<String> r : run.ranking().values()) deepest = Math.max(deepest, r.size());
    int k = depth > 0 ? depth : Math.min(deepest, PLOT_MAX_DEPTH);
    List<Measure> curve = new ArrayList<>();
    for (int i = 1; i <= k; i++) curve.add(RankMeasure.parse("Hit@" + i, threshold));
    for (int i = 1; i <= k; i++) curve.add(RankMeasure.parse("Recall@" + i, threshold));
    Map<String, double[]> hit = new LinkedHashMap<>();
    Map<String, double[]> recall = new LinkedHashMap<>();
    for (EvaluatedRun run : evaluated) {
      Evaluation e = Evaluation.of(run.ranking(), judgments, curve);
      double[] h = new double[k];
      double[] c = new double[k];
      for (int i = 0; i < k; i++) {
        h[i] = e.mean(i);
        c[i] = e.mean(k + i);
      }
      hit.put(run.name(), h);
      recall.put(run.name(), c);
    }
    Figures.hitRecall(hit, recall).write(plot);
  }

  private List<String> runNames() {
    if (labels != null) {
      if (labels.size() != runs.size())
        throw new IllegalArgumentException(
            "give one --label per --run: "
                + labels.size()
                + " labels for "
                + runs.size()
                + " runs");
      return List.copyOf(labels);
    }
    List<String> names = new ArrayList<>();
    for (Path r : runs) names.add(String.valueOf(r.getFileName()));
    if (names.stream().distinct().count() < names.size()) {
      names.clear();
      for (Path r : runs) names.add(r.toString());
    }
    return names;
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String change(double v, double base) {
    if (Double.isNaN(v) || Double.isNaN(base) || base == 0) return "n/a";
    return String.format(Locale.ROOT, "%+.1f%%", 100 * (v - base) / base);
  }

  private void printPerQuery(PrintWriter out, List<EvaluatedRun> evaluated) {
    for (EvaluatedRun run : evaluated) {
      Evaluation e = run.evaluation();
      for (int m = 0; m < e.measures().size(); m++) {
        for (int q = 0; q < e.qids().size(); q++) {
          out.println(
              run.name()
                  + "\t"
                  + e.measures().get(m).name()
                  + "\t"
                  + e.qids().get(q)
                  + "\t"
                  + num(e.values()[m][q]));
        }
      }
    }
  }

  private void printSummary(PrintWriter out, List<EvaluatedRun> evaluated) {
    Evaluation base = evaluated.get(0).evaluation();
    out.println("queries: " + base.qids().size());
    for (EvaluatedRun run : evaluated) {
      if (run.evaluation().missing() > 0) {
        out.println(
            run.name()
                + ": "
                + run.evaluation().missing()
                + " judged queries not in the run (scored 0)");
      }
    }
    List<List<String>> rows = new ArrayList<>();
    List<String> header = new ArrayList<>(List.of("measure", evaluated.get(0).name()));
    for (EvaluatedRun run : evaluated.subList(1, evaluated.size()))
      header.addAll(List.of(run.name(), "change", "p-value"));
    rows.add(header);
    for (int m = 0; m < base.measures().size(); m++) {
      List<String> row = new ArrayList<>(List.of(base.measures().get(m).name(), num(base.mean(m))));
      for (EvaluatedRun run : evaluated.subList(1, evaluated.size())) {
        Evaluation e = run.evaluation();
        row.addAll(
            List.of(num(e.mean(m)), change(e.mean(m), base.mean(m)), num(e.pValue(m, base))));
      }
      rows.add(row);
    }
    int[] width = new int[header.size()];
    for (List<String> row : rows)
      for (int c = 0; c < row.size(); c++) width[c] = Math.max(width[c], row.get(c).length());
    for (List<String> row : rows) {
      StringBuilder sb = new StringBuilder(String.format("%-" + width[0] + "s", row.get(0)));
      for (int c = 1; c < row.size(); c++)
        sb.append("  ").append(String.format("%" + width[c] + "s", row.get(c)));
      out.println(sb.toString().stripTrailing());
    }
  }

  private void writeJson(List<EvaluatedRun> evaluated) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    Evaluation first = evaluated.get(0).evaluation();
    root.put("queries", first.qids().size());
    var runsNode = root.putArray("runs");
    for (int r = 0; r < evaluated.size(); r++) {
      Evaluation e = evaluated.get(r).evaluation();
      ObjectNode run = runsNode.addObject();
      run.put("name", evaluated.get(r).name());
      run.put("path", evaluated.get(r).path().toString());
      run.put("missing_queries", e.missing());
      ObjectNode means = run.putObject("measures");
      ObjectNode vs = run.putObject("vs_first");
      ObjectNode per = run.putObject("per_query");
      for (int m = 0; m < e.measures().size(); m++) {
        String name = e.measures().get(m).name();
        putNumber(means, name, e.mean(m));
        if (r > 0) {
          ObjectNode cmp = vs.putObject(name);
          putNumber(
              cmp,
              "change",
              first.mean(m) == 0 ? Double.NaN : (e.mean(m) - first.mean(m)) / first.mean(m));
          putNumber(cmp, "p_value", e.pValue(m, first));
        }
        for (int q = 0; q < e.qids().size(); q++) {
          ObjectNode qn =
              per.has(e.qids().get(q))
                  ? (ObjectNode) per.get(e.qids().get(q))
                  : per.putObject(e.qids().get(q));
          putNumber(qn, name, e.values()[m][q]);
        }
      }
      if (r == 0) run.remove("vs_first");
    }
    try (AtomicOutput out = new AtomicOutput(json)) {
      out.write(mapper.writeValueAsString(root) + "\n");
      out.commit();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putNumber(ObjectNode node, String field, double v) {
    if (Double.isNaN(v)) node.putNull(field);
    else node.put(field, v);
  }
}
