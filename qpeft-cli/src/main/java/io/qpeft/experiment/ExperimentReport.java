package io.qpeft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of an experiment, built from {@code qpeft eval --json}'s output: the means of every
 * run side by side, the change and paired t-test p-value against the first stage, and the checks of
 * the expected figures. Written as {@code report.json} and as a Markdown table ({@code
 * results.md}).
 */
public final class ExperimentReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One run: its name, file (relative to the experiment folder) and how it was obtained. */
  public record Run(String name, String file, String description, double seconds, boolean reused) {}

  /** One expected figure and what was measured. */
  public record Check(
      String run, String measure, double expected, double tolerance, double actual, boolean ok) {
    public String line() {
      return String.format(
          Locale.ROOT,
          "%s %s %s: %s, expected %s +- %s",
          ok ? "ok  " : "FAIL",
          run,
          measure,
          num(actual),
          num(expected),
          num(tolerance));
    }
  }

  private final ExperimentConfig config;
  private final List<Run> runs;
  private final List<String> measures = new ArrayList<>();
  private final double[][] means; // [run][measure]
  private final double[][] change; // vs the first run
  private final double[][] pValue;
  private final int queries;
  private final List<Check> checks = new ArrayList<>();

  /** Reads {@code eval.json} ({@code qpeft eval --json}, runs in the order of {@code runs}). */
  public ExperimentReport(ExperimentConfig config, List<Run> runs, Path evalJson) {
    this.config = config;
    this.runs = List.copyOf(runs);
    JsonNode root;
    try {
      root = JSON.readTree(evalJson.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + evalJson, e);
    }
    JsonNode evalRuns = root.get("runs");
    if (evalRuns.size() != runs.size())
      throw new IllegalStateException(
          evalJson + ": " + evalRuns.size() + " runs, expected " + runs.size());
    queries = root.path("queries").asInt();
    evalRuns.get(0).get("measures").fieldNames().forEachRemaining(measures::add);
    means = new double[runs.size()][measures.size()];
    change = new double[runs.size()][measures.size()];
    pValue = new double[runs.size()][measures.size()];
    for (int r = 0; r < runs.size(); r++) {
      JsonNode er = evalRuns.get(r);
      for (int m = 0; m < measures.size(); m++) {
        means[r][m] = number(er.path("measures").path(measures.get(m)));
        change[r][m] = number(er.path("vs_first").path(measures.get(m)).path("change"));
        pValue[r][m] = number(er.path("vs_first").path(measures.get(m)).path("p_value"));
      }
    }
    config
        .expected()
        .forEach(
            (run, byMeasure) ->
                byMeasure.forEach(
                    (measure, e) -> {
                      double actual = mean(run, measure);
                      boolean ok = Math.abs(actual - e.value()) <= e.tolerance();
                      checks.add(new Check(run, measure, e.value(), e.tolerance(), actual, ok));
                    }));
  }

  private static double number(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  /** The mean of {@code measure} for run {@code name} (NaN if undefined or unknown). */
  public double mean(String name, String measure) {
    int m = measures.indexOf(measure);
    for (int r = 0; r < runs.size(); r++)
      if (runs.get(r).name().equals(name) && m >= 0) return means[r][m];
    return Double.NaN;
  }

  public List<Check> checks() {
    return checks;
  }

  public long failedChecks() {
    return checks.stream().filter(c -> !c.ok()).count();
  }

  /** Writes {@code report.json}. */
  public void writeJson(Path file, Map<String, String> figures) {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", config.name());
    root.put("queries", queries);
    root.set("config", config.toTree());
    ArrayNode rs = root.putArray("runs");
    for (int r = 0; r < runs.size(); r++) {
      Run run = runs.get(r);
      ObjectNode o = rs.addObject();
      o.put("name", run.name());
      o.put("file", run.file());
      o.put("description", run.description());
      put(o, "seconds", run.seconds());
      o.put("reused", run.reused());
      ObjectNode ms = o.putObject("measures");
      for (int m = 0; m < measures.size(); m++) put(ms, measures.get(m), means[r][m]);
      if (r > 0) {
        ObjectNode vs = o.putObject("vs_first_stage");
        for (int m = 0; m < measures.size(); m++) {
          ObjectNode c = vs.putObject(measures.get(m));
          put(c, "change", change[r][m]);
          put(c, "p_value", pValue[r][m]);
        }
      }
    }
    ArrayNode cs = root.putArray("checks");
    for (Check c : checks) {
      ObjectNode o = cs.addObject();
      o.put("run", c.run());
      o.put("measure", c.measure());
      o.put("expected", c.expected());
      o.put("tolerance", c.tolerance());
      put(o, "actual", c.actual());
      o.put("ok", c.ok());
    }
    ObjectNode fs = root.putObject("figures");
    figures.forEach(fs::put);
    try (AtomicOutput out = new AtomicOutput(file)) {
      out.write(JSON.writeValueAsString(root) + "\n");
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void put(ObjectNode o, String field, double v) {
    if (Double.isNaN(v)) o.putNull(field);
    else o.put(field, v);
  }

  /**
   * The Markdown results: one row per run, one column per measure; below the first stage each cell
   * also gives the relative change and the paired t-test p-value against it.
   */
  public String markdown(String firstStageDescription) {
    StringBuilder sb = new StringBuilder();
    sb.append("# ").append(config.name()).append("\n\n");
    sb.append(queries)
        .append(" queries; ")
        .append(firstStageDescription)
        .append(". Cells: mean (relative change, paired t-test p-value against ")
        .append(runs.get(0).name())
        .append(").\n\n");
    sb.append("| run |");
    for (String m : measures) sb.append(' ').append(m).append(" |");
    sb.append("\n|---|");
    sb.append("---|".repeat(measures.size()));
    sb.append('\n');
    for (int r = 0; r < runs.size(); r++) {
      sb.append("| ").append(runs.get(r).name()).append(" |");
      for (int m = 0; m < measures.size(); m++) {
        sb.append(' ').append(num(means[r][m]));
        if (r > 0) {
          sb.append(" (")
              .append(
                  Double.isNaN(change[r][m])
                      ? "n/a"
                      : String.format(Locale.ROOT, "%+.1f%%", 100 * change[r][m]))
              .append(", p ")
              .append(
                  Double.isNaN(pValue[r][m])
                      ? "n/a"
                      : String.format(Locale.ROOT, "%.3f", pValue[r][m]))
              .append(')');
        }
        sb.append(" |");
      }
      sb.append('\n');
    }
    sb.append("\n| run | how |\n|---|---|\n");
    for (Run run : runs) {
      sb.append("| ").append(run.name()).append(" | ").append(run.description());
      if (!Double.isNaN(run.seconds()))
        sb.append(
            String.format(
                Locale.ROOT, " (%.1f s%s)", run.seconds(), run.reused() ? ", earlier run" : ""));
      sb.append(" |\n");
    }
    if (!checks.isEmpty()) {
      sb.append("\nExpected figures: ")
          .append(checks.size() - failedChecks())
          .append(" of ")
          .append(checks.size())
          .append(" within tolerance.\n\n```\n");
      for (Check c : checks) sb.append(c.line()).append('\n');
      sb.append("```\n");
    }
    return sb.toString();
  }

  static String num(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }
}
