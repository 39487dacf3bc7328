package io.qpeft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code qpeft experiment} runs: a data set, a first stage, the rerankers and the expected
 * figures, read from YAML or JSON (the two are read alike; YAML is JSON's superset here):
 *
 * <pre>
 * name: scifact-upr
 * output: runs/scifact            # the experiment folder (--output overrides it)
 * data:
 *   beir: beir/scifact            # corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv
 *   split: test
 *   # or: dpr: nq-test.json (DPR retriever JSON with answers: its ctxs are the first stage)
 *   #     passages: psgs_w100.tsv (when the ctxs carry no text)
 * retrieval: {hits: 100, k1: 0.9, b: 0.4, index: idx/scifact}
 * rerankers:
 *   - {name: upr, model: HuggingFaceTB/SmolLM2-135M}
 *   - {name: qpeft-r, model: HuggingFaceTB/SmolLM2-135M, adapter: adapters/qpeft-r}
 *   - {name: qpeft-a, model: HuggingFaceTB/SmolLM2-135M, train: {variant: attention, epochs: 5}}
 *   - {name: upr-sum, model: HuggingFaceTB/SmolLM2-135M, args: [--aggregation, sum]}
 * measures: [Hit@1, Hit@10, Recall@10, nDCG@10, RR@10, AP]
 * tolerance: 0.0005                # default for every expected figure
 * expected:
 *   bm25: {nDCG@10: 0.6651}
 *   upr: {nDCG@10: {value: 0.61, tolerance: 0.01}}
 * </pre>
 *
 * Relative paths are resolved against the folder of the config file; a {@code model} that is not a
 * folder there is passed on as it is (a hub id). The first stage's run is named {@code bm25} (BEIR)
 * or {@code first-stage} (DPR).
 */
public record ExperimentConfig(
    String name,
    Path output,
    Data data,
    Retrieval retrieval,
    List<RerankerSpec> rerankers,
    List<String> measures,
    Map<String, Map<String, Expected>> expected) {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();

  /** Default tolerance of an expected figure. */
  public static final double DEFAULT_TOLERANCE = 1e-4;

  /** Measures reported when the config names none: the paper's and trec_eval's. */
  public static final String BEIR_MEASURES = "Hit@1,Hit@10,Recall@10,nDCG@10,RR@10,R@100,AP";

  public static final String DPR_MEASURES = "Hit@1,Hit@5,Hit@10,Hit@20,Recall@10,nDCG@10,RR@10";

  /** Where queries, candidates and judgments come from. */
  public enum Kind {
    BEIR,
    DPR
  }

  /**
   * @param path the BEIR folder or the DPR retriever JSON
   * @param split BEIR: the qrels split evaluated ({@code qrels/SPLIT.tsv})
   * @param passages DPR: passages for ctxs without text (null when they have text)
   */
  public record Data(Kind kind, Path path, String split, Path passages) {}

  /**
   * @param index BEIR: the index folder (built there when missing; default {@code OUT/index})
   * @param hits passages retrieved and reranked per query
   */
  public record Retrieval(Path index, int hits, float k1, float b) {}

  /**
   * One reranked run.
   *
   * @param model a model folder or hub id, as {@code qpeft rerank --model}
   * @param adapter a trained Q-PEFT adapter, or null
   * @param train train the adapter first (into {@code OUT/adapters/NAME}), or null
   * @param args further {@code qpeft rerank} options, passed as they are
   */
  public record RerankerSpec(
      String name, String model, Path adapter, Train train, List<String> args) {}

  /**
   * Training of a reranker's adapter: BEIR data train on {@code split} (BM25 negatives from the
   * experiment's index) and stop early on {@code devSplit}; DPR data train on the DPR training JSON
   * {@code data} (and {@code dev}).
   */
  public record Train(
      String variant, Path data, String split, Path dev, String devSplit, List<String> args) {}

  /** An expected mean and how far the measured one may be from it. */
  public record Expected(double value, double tolerance) {}

  /** The run name of the first stage. */
  public String firstStageName() {
    return data.kind() == Kind.BEIR ? "bm25" : "first-stage";
  }

  /** The measures to report: the configured ones, else the defaults of the data kind. */
  public String measureList() {
    if (!measures.isEmpty()) return String.join(",", measures);
    return data.kind() == Kind.BEIR ? BEIR_MEASURES : DPR_MEASURES;
  }

  /** Reads a YAML or JSON config file. */
  public static ObjectNode readTree(Path file) {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("config " + file + " does not exist");
    try {
      JsonNode n = YAML.readTree(file.toFile());
      if (n == null || !n.isObject())
        throw new IllegalArgumentException(
            file + ": an experiment config is a mapping (name, data, retrieval, rerankers, ...)");
      return (ObjectNode) n;
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not valid YAML/JSON: " + e.getMessage());
    }
  }

  /**
   * Parses and checks a config tree; {@code source} names it in errors and {@code base} resolves
   * relative paths.
   */
  public static ExperimentConfig parse(JsonNode root, String source, Path base) {
    Fields f = new Fields(source, base);
    f.only(
        root,
        "",
        "name",
        "output",
        "data",
        "retrieval",
        "rerankers",
        "measures",
        "tolerance",
        "expected");
    String name = f.text(root, "name", "experiment");
    Path output = f.path(root, "output", false);

    JsonNode d = f.object(root, "data", true);
    f.only(d, "data.", "beir", "dpr", "split", "passages");
    Data data;
    if (d.has("beir") == d.has("dpr"))
      throw f.bad("data", "give exactly one of data.beir (a BEIR folder) and data.dpr (DPR JSON)");
    if (d.has("beir")) {
      Path beir = f.path(d, "beir", true);
      String split = f.text(d, "split", "test");
      if (!Files.isRegularFile(beir.resolve("qrels").resolve(split + ".tsv")))
        throw f.bad("data.beir", beir + " has no qrels/" + split + ".tsv (data.split)");
      data = new Data(Kind.BEIR, beir, split, null);
    } else {
      data = new Data(Kind.DPR, f.path(d, "dpr", true), null, f.path(d, "passages", false));
    }

    JsonNode r = root.has("retrieval") ? f.object(root, "retrieval", true) : JSON.nullNode();
    if (r.isObject()) f.only(r, "retrieval.", "index", "hits", "k1", "b");
    int hits = (int) f.number(r, "retrieval.hits", "hits", 100);
    if (hits <= 0) throw f.bad("retrieval.hits", "must be positive, got " + hits);
    Retrieval retrieval =
        new Retrieval(
            r.isObject() ? f.path(r, "index", false) : null,
            hits,
            (float) f.number(r, "retrieval.k1", "k1", 0.9),
            (float) f.number(r, "retrieval.b", "b", 0.4));

    List<RerankerSpec> rerankers = new ArrayList<>();
    JsonNode list = root.get("rerankers");
    if (list != null && !list.isArray()) throw f.bad("rerankers", "must be a list");
    Set<String> names = new HashSet<>(List.of(data.kind() == Kind.BEIR ? "bm25" : "first-stage"));
    for (int i = 0; list != null && i < list.size(); i++) {
      String at = "rerankers[" + i + "]";
      JsonNode e = list.get(i);
      if (!e.isObject()) throw f.bad(at, "must be a mapping {name, model, ...}");
      f.only(e, at + ".", "name", "model", "adapter", "train", "args");
      String rn = f.text(e, "name", null);
      if (rn == null || !rn.matches("[A-Za-z0-9][A-Za-z0-9._-]*"))
        throw f.bad(at + ".name", "required: letters, digits, '.', '_' or '-', got " + rn);
      if (!names.add(rn))
        throw f.bad(at + ".name", "'" + rn + "' is used twice (or is the first stage's name)");
      String model = f.text(e, "model", null);
      if (model == null) throw f.bad(at + ".model", "required: a model folder or hub id");
      Path modelPath = base.resolve(model);
      if (Files.isDirectory(modelPath)) model = modelPath.toAbsolutePath().normalize().toString();
      Path adapter = f.path(e, "adapter", false);
      Train train = null;
      if (e.has("train")) {
        if (adapter != null) throw f.bad(at, "give adapter or train, not both");
        JsonNode t = f.object(e, "train", true);
        f.only(t, at + ".train.", "variant", "data", "split", "dev", "dev_split", "args");
        train =
            new Train(
                f.text(t, "variant", "retrieval"),
                f.path(t, "data", false),
                f.text(t, "split", "train"),
                f.path(t, "dev", false),
                f.text(t, "dev_split", null),
                f.strings(t, at + ".train.args"));
        if (data.kind() == Kind.DPR && train.data() == null)
          throw f.bad(at + ".train.data", "required with DPR data: DPR training JSON");
      }
      rerankers.add(new RerankerSpec(rn, model, adapter, train, f.strings(e, at + ".args")));
    }
    List<String> measures = f.strings(root, "measures");

    double tolerance = f.number(root, "tolerance", "tolerance", DEFAULT_TOLERANCE);
    if (!(tolerance >= 0)) throw f.bad("tolerance", "must be >= 0, got " + tolerance);
    Map<String, Map<String, Expected>> expected = new LinkedHashMap<>();
    JsonNode ex = root.get("expected");
    if (ex != null) {
      if (!ex.isObject()) throw f.bad("expected", "must be a mapping run -> {measure: value}");
      for (Iterator<Map.Entry<String, JsonNode>> it = ex.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> run = it.next();
        if (!names.contains(run.getKey()))
          throw f.bad("expected." + run.getKey(), "no such run; runs are " + names);
        if (!run.getValue().isObject())
          throw f.bad("expected." + run.getKey(), "must be a mapping {measure: value}");
        Map<String, Expected> byMeasure = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> m = run.getValue().fields(); m.hasNext(); ) {
          Map.Entry<String, JsonNode> e = m.next();
          String at = "expected." + run.getKey() + "." + e.getKey();
          JsonNode v = e.getValue();
          if (v.isNumber()) {
            byMeasure.put(e.getKey(), new Expected(v.asDouble(), tolerance));
          } else if (v.isObject() && v.path("value").isNumber()) {
            f.only(v, at + ".", "value", "tolerance");
            byMeasure.put(
                e.getKey(),
                new Expected(v.get("value").asDouble(), f.number(v, at, "tolerance", tolerance)));
          } else {
            throw f.bad(at, "must be a number or {value, tolerance}, got " + v);
          }
        }
        expected.put(run.getKey(), byMeasure);
      }
    }
    return new ExperimentConfig(
        name, output, data, retrieval, List.copyOf(rerankers), measures, expected);
  }

  /** The config with every path absolute, as written into the experiment folder. */
  public ObjectNode toTree() {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", name);
    if (output != null) n.put("output", output.toString());
    ObjectNode d = n.putObject("data");
    d.put(data.kind().name().toLowerCase(Locale.ROOT), data.path().toString());
    if (data.split() != null) d.put("split", data.split());
    if (data.passages() != null) d.put("passages", data.passages().toString());
    ObjectNode r = n.putObject("retrieval");
    if (retrieval.index() != null) r.put("index", retrieval.index().toString());
    r.put("hits", retrieval.hits());
    r.put("k1", Double.parseDouble(Float.toString(retrieval.k1())));
    r.put("b", Double.parseDouble(Float.toString(retrieval.b())));
    ArrayNode list = n.putArray("rerankers");
    for (RerankerSpec s : rerankers) list.add(JSON.valueToTree(specTree(s)));
    ArrayNode ms = n.putArray("measures");
    for (String m : measureList().split(",")) ms.add(m);
    ObjectNode ex = n.putObject("expected");
    expected.forEach(
        (run, byMeasure) -> {
          ObjectNode o = ex.putObject(run);
          byMeasure.forEach(
              (m, e) -> o.putObject(m).put("value", e.value()).put("tolerance", e.tolerance()));
        });
    return n;
  }

  /** One reranker as a tree (the settings its run depends on). */
  public static ObjectNode specTree(RerankerSpec s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", s.name());
    o.put("model", s.model());
    if (s.adapter() != null) o.put("adapter", s.adapter().toString());
    if (s.train() != null) {
      ObjectNode t = o.putObject("train");
      t.put("variant", s.train().variant());
      if (s.train().data() != null) t.put("data", s.train().data().toString());
      t.put("split", s.train().split());
      if (s.train().dev() != null) t.put("dev", s.train().dev().toString());
      if (s.train().devSplit() != null) t.put("dev_split", s.train().devSplit());
      ArrayNode a = t.putArray("args");
      s.train().args().forEach(a::add);
    }
    ArrayNode a = o.putArray("args");
    s.args().forEach(a::add);
    return o;
  }

  /** Typed field access with errors that name the file and the field. */
  private record Fields(String source, Path base) {
    IllegalArgumentException bad(String field, String problem) {
      return new IllegalArgumentException(source + ": field '" + field + "': " + problem);
    }

    void only(JsonNode node, String prefix, String... allowed) {
      Set<String> ok = Set.of(allowed);
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!ok.contains(k))
          throw bad(prefix + k, "unknown field; allowed: " + String.join(", ", allowed));
      }
    }

    String text(JsonNode node, String field, String dflt) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) return dflt;
      if (!v.isValueNode()) throw bad(field, "must be a string, got " + v);
      return v.asText();
    }

    Path path(JsonNode node, String field, boolean required) {
      String s = text(node, field, null);
      if (s == null) {
        if (required) throw bad(field, "required");
        return null;
      }
      return base.resolve(s).toAbsolutePath().normalize();
    }

    JsonNode object(JsonNode node, String field, boolean required) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        if (required) throw bad(field, "required");
        return JSON.createObjectNode();
      }
      if (!v.isObject()) throw bad(field, "must be a mapping, got " + v);
      return v;
    }

    double number(JsonNode node, String name, String field, double dflt) {
      JsonNode v = node == null ? null : node.get(field);
      if (v == null || v.isNull()) return dflt;
      if (v.isNumber()) return v.asDouble();
      if (v.isTextual()) {
        try {
          return Double.parseDouble(v.asText());
        } catch (NumberFormatException e) {
          // reported below
        }
      }
      throw bad(name, "must be a number, got " + v);
    }

    List<String> strings(JsonNode node, String name) {
      String field = name.substring(name.lastIndexOf('.') + 1);
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) return List.of();
      if (v.isTextual()) return List.of(v.asText().split("\\s*,\\s*"));
      if (!v.isArray()) throw bad(name, "must be a list, got " + v);
      List<String> out = new ArrayList<>();
      for (JsonNode s : v) {
        if (!s.isValueNode()) throw bad(name, "must be a list of strings, got " + v);
        out.add(s.asText());
      }
      return List.copyOf(out);
    }
  }
}
