package io.qpeft.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.experiment.ExperimentConfig;
import io.qpeft.rerank.KnownRerankers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft experiment}: one command from a corpus to a results table and figures. Options given
 * on the command line override the config file's (see {@link ExperimentConfig}); the steps are run
 * by {@link ExperimentRun}.
 */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "From a corpus, queries and judgments to results: index (or reuse the index), retrieve the"
          + " top-k with BM25, rerank with every listed reranker, evaluate them side by side"
          + " (paper and trec_eval measures, paired t-tests against the first stage) and draw the"
          + " figures, all into one folder.",
      "Data: a BEIR folder (--beir) or DPR retriever JSON with answers (--dpr, its ctxs are the"
          + " first stage). Run it again to resume: finished steps are reused.",
      "A YAML/JSON --config describes the same, with expected figures that are checked."
    })
public final class ExperimentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Experiment config (YAML or JSON); the options below override it.")
  Path config;

  @Option(
      names = "--output",
      paramLabel = "DIR",
      description = "Experiment folder: runs, index, report.json, results.md, figures.")
  Path output;

  @Option(
      names = "--beir",
      paramLabel = "DIR",
      description = "BEIR folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv.")
  Path beir;

  @Option(
      names = "--split",
      paramLabel = "SPLIT",
      description = "BEIR qrels split to evaluate (default: test).")
  String split;

  @Option(
      names = "--dpr",
      paramLabel = "FILE",
      description = "DPR retriever JSON with answers; its ctxs are the first stage.")
  Path dpr;

  @Option(
      names = "--passages",
      paramLabel = "TSV",
      description = "DPR passages (id, text, title) for ctxs without text.")
  Path passages;

  @Option(
      names = "--index",
      paramLabel = "DIR",
      description = "BEIR: index folder to reuse (built there when missing; default OUT/index).")
  Path index;

  @Option(
      names = "--hits",
      paramLabel = "N",
      description = "Passages retrieved and reranked per query (default: 100).")
  Integer hits;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      description =
          "Adds a reranker with this model (folder or hub id): UPR, named 'upr'; or, for a known"
              + " reranker such as Qwen3-Reranker, its own method, named after the method.")
  String model;

  @Option(
      names = "--adapter",
      paramLabel = "NAME=DIR",
      description = "Adds the reranker NAME: the Q-PEFT adapter DIR on --model; repeatable.")
  List<String> adapters;

  @Option(
      names = "--measures",
      paramLabel = "LIST",
      description =
          "Comma-separated measures (default: "
              + ExperimentConfig.BEIR_MEASURES
              + " for BEIR, "
              + ExperimentConfig.DPR_MEASURES
              + " for DPR).")
  String measures;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::experiment);
  }

  private int experiment() throws Exception {
    ObjectNode tree =
        config != null ? ExperimentConfig.readTree(config) : JsonNodeFactory.instance.objectNode();
    overrideFromOptions(tree);
    Path base = config != null ? config.toAbsolutePath().getParent() : Path.of("").toAbsolutePath();
    ExperimentConfig cfg =
        ExperimentConfig.parse(tree, config != null ? config.toString() : "options", base);
    Path out = output != null ? output : cfg.output();
    if (out == null)
      throw new IllegalArgumentException("give --output DIR (or output: in the config)");
    if (cfg.rerankers().isEmpty())
      throw new IllegalArgumentException(
          "no reranker: give --model (and --adapter NAME=DIR), or rerankers: in the config");
    return new ExperimentRun(cfg, out.toAbsolutePath().normalize(), spec).run();
  }

  /** Puts the command-line options into the config tree (paths made absolute first). */
  private void overrideFromOptions(ObjectNode tree) {
    if (beir != null || dpr != null) {
      if (beir != null && dpr != null)
        throw new IllegalArgumentException("give --beir or --dpr, not both");
      ObjectNode d = tree.putObject("data");
      if (beir != null) d.put("beir", abs(beir));
      else d.put("dpr", abs(dpr));
    }
    ObjectNode d =
        tree.has("data") && tree.get("data").isObject() ? (ObjectNode) tree.get("data") : null;
    if (split != null || passages != null) {
      if (d == null)
        throw new IllegalArgumentException("--split and --passages need --beir or --dpr");
      if (split != null) d.put("split", split);
      if (passages != null) d.put("passages", abs(passages));
    }
    if (index != null || hits != null) {
      ObjectNode r =
          tree.has("retrieval") && tree.get("retrieval").isObject()
              ? (ObjectNode) tree.get("retrieval")
              : tree.putObject("retrieval");
      if (index != null) r.put("index", abs(index));
      if (hits != null) r.put("hits", hits);
    }
    if (measures != null) tree.put("measures", measures);
    if (model != null) {
      ArrayNode list =
          tree.has("rerankers") && tree.get("rerankers").isArray()
              ? (ArrayNode) tree.get("rerankers")
              : tree.putArray("rerankers");
      Path folder = Path.of(model);
      String name =
          KnownRerankers.detect(model, Files.isDirectory(folder) ? folder : null)
              .map(k -> k.method().id())
              .orElse("upr");
      list.addObject().put("name", name).put("model", model);
      for (String a : adapters == null ? List.<String>of() : adapters) {
        int eq = a.indexOf('=');
        if (eq <= 0 || eq == a.length() - 1)
          throw new IllegalArgumentException("--adapter must be NAME=DIR, got '" + a + "'");
        list.addObject()
            .put("name", a.substring(0, eq))
            .put("model", model)
            .put("adapter", abs(Path.of(a.substring(eq + 1))));
      }
    } else if (adapters != null) {
      throw new IllegalArgumentException("--adapter needs --model (the adapter's base model)");
    }
  }

  private static String abs(Path p) {
    return p.toAbsolutePath().normalize().toString();
  }
}
