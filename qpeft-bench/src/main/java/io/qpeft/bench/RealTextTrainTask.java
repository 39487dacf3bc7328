package io.qpeft.bench;

import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.cli.TrainingOptions;
import io.qpeft.data.Candidate;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.eval.RankMeasure;
import io.qpeft.eval.StudentT;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.Recipe;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingExample;
import io.qpeft.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench-train --task realtext}: Q-PEFT on real text. Reranks the BM25 top-k of the real-text
 * dev queries ({@code ../shared/realtext}) with BM25 itself, zero-shot UPR, the untrained
 * textual-hints baseline, prompt tuning, Q-PEFT-R and Q-PEFT-A (trained on train queries with BM25
 * hard negatives, the kept epoch chosen on held-out train queries), and prints Hit@1, Hit@10,
 * nDCG@10 with paired t-tests against UPR and the training time. Index, candidates and each
 * method's scores are cached, so a rerun only computes what changed.
 */
@Command(
    name = "bench-train --task realtext",
    description =
        "Q-PEFT on real text: BM25, UPR, textual hints, prompt tuning, Q-PEFT-R and Q-PEFT-A on the "
            + "real-text dev queries (Hit@1/10, nDCG@10, paired t-tests against UPR).")
final class RealTextTrainTask implements BenchTrainTask {
  @Mixin TrainingOptions training;

  @Option(
      names = "--data",
      defaultValue = "../shared/realtext",
      description = "The real-text BEIR folder (default ${DEFAULT-VALUE}, from the project root).")
  Path data;

  @Option(names = "--model", description = "The frozen LM (default DATA/models/pkgdesc-gpt2).")
  Path model;

  @Option(
      names = "--cache",
      defaultValue = "target/realtext-cache",
      description =
          "Index, candidates, scores and adapters kept between runs (default ${DEFAULT-VALUE}).")
  Path cache;

  @Option(
      names = "--dev-queries",
      defaultValue = "200",
      description = "Dev queries measured, the first of qrels/dev.tsv (default ${DEFAULT-VALUE}).")
  int devQueries;

  @Option(
      names = "--depth",
      defaultValue = "100",
      description = "BM25 candidates reranked per dev query (default ${DEFAULT-VALUE}).")
  int depth;

  @Option(
      names = "--train-queries",
      defaultValue = "320",
      description = "Training queries, the first of qrels/train.tsv (default ${DEFAULT-VALUE}).")
  int trainQueries;

  @Option(
      names = "--val-queries",
      defaultValue = "50",
      description =
          "Held-out train queries (after the training ones) that pick the kept epoch (default ${DEFAULT-VALUE}).")
  int valQueries;

  @Option(
      names = "--val-depth",
      defaultValue = "10",
      description =
          "BM25 hard negatives ranked with each held-out query's positive (default ${DEFAULT-VALUE}).")
  int valDepth;

  @Option(
      names = "--mine",
      defaultValue = "10",
      description = "BM25 hard negatives kept per training query (default ${DEFAULT-VALUE}).")
  int mine;

  @Option(
      names = "--methods",
      defaultValue = "bm25,upr,hints,prompt,retrieval,attention",
      split = ",",
      description =
          "Rows: bm25, upr, instruction (Q-PEFT layout, no hints), hints (textual), prompt, retrieval, "
              + "attention, retrieval-untrained, attention-untrained (default ${DEFAULT-VALUE}).")
  List<String> methods;

  @Option(names = "--label", defaultValue = "", description = "Suffix for the trained rows' names.")
  String label;

  @Option(
      names = "--score-threads",
      defaultValue = "2",
      description = "Threads scoring the dev candidates (default ${DEFAULT-VALUE}).")
  int scoreThreads;

  @Option(names = "--verbose", description = "Each training epoch's metrics (JSON) on stderr.")
  boolean verbose;

  private static final RankMeasure HIT1 = RankMeasure.parse("Hit@1", 1);
  private static final RankMeasure HIT10 = RankMeasure.parse("Hit@10", 1);
  private static final RankMeasure NDCG10 = RankMeasure.parse("nDCG@10", 1);

  @Override
  public void run(PrintWriter out, PrintWriter err) {
    Path modelDir = model != null ? model : data.resolve("models/pkgdesc-gpt2");
    long start = System.nanoTime();
    try (RealTextData d = RealTextData.open(data, cache, err);
        TransformerLm lm = Models.load(modelDir);
        TextTokenizer tok = TextTokenizer.load(modelDir)) {
      List<RealTextData.Ranked> dev = d.ranked("dev", d.qids("dev", 0, devQueries), depth);
      List<TrainingExample> train = d.examples("train", d.qids("train", 0, trainQueries), mine);
      List<TrainingExample> val =
          d.examples("train", d.qids("train", trainQueries, valQueries), valDepth);
      // every row depends on the model and the dev set; trained rows also on what they train on
      ScoreCache scores =
          new ScoreCache(
              cache.resolve("scores"),
              modelDir.toAbsolutePath().normalize() + "|dev=" + devQueries + "@" + depth);
      String trainingSet =
          "train=" + trainQueries + "/" + mine + "|val=" + valQueries + "@" + valDepth + "|";
      double recall = 0;
      for (RealTextData.Ranked r : dev) {
        boolean found =
            r.candidates().stream().anyMatch(c -> r.judgments().getOrDefault(c.docid(), 0) > 0);
        recall += found ? 1 : 0;
      }
      out.printf(
          Locale.ROOT,
          "real text: %s, model %s (%s, %d layers, hidden %d); %d dev queries x BM25 top %d "
              + "(relevant within: %.3f), %d train queries (%d BM25 hard negatives each), "
              + "%d held-out train queries x %d for the kept epoch; %d PyTorch thread(s)%n",
          data,
          modelDir,
          lm.config().family(),
          lm.config().numHiddenLayers(),
          lm.config().hiddenSize(),
          devQueries,
          depth,
          recall / dev.size(),
          trainQueries,
          mine,
          valQueries,
          valDepth,
          JniUtils.getNumThreads());
      out.println();
      out.println(
          "| method | Hit@1 | Hit@10 | nDCG@10 | Hit@10 vs UPR (p) | nDCG@10 vs UPR (p) | epoch kept / run | train s | rerank s |");
      out.println("|---|---|---|---|---|---|---|---|---|");
      out.flush();
      Methods runner = new Methods(lm, tok, d, dev, train, val, verbose ? err : null);
      // UPR is the reference of the t-tests: computed first when asked for, else taken from the
      // cache when an earlier run computed it (without it the p columns stay empty)
      ScoreCache.Entry upr =
          methods.stream().anyMatch(m -> m.strip().equals("upr"))
              ? scores.get("upr", "", runner::upr)
              : scores.find("upr", "");
      double[][] uprM = upr == null ? null : measures(dev, upr.scores());
      for (String m : methods) {
        String method = m.strip();
        ScoreCache.Entry e =
            switch (method) {
              case "bm25" -> scores.get(method, "", runner::bm25);
              case "upr" -> upr;
              case "instruction" -> scores.get(method, "", runner::instruction);
              case "hints" -> scores.get(method, "", runner::hints);
              case "prompt", "retrieval", "attention" -> {
                Recipe r = training.recipe(Variant.parse(method), RealTextTrainTask::taskDefaults);
                yield scores.get(method, trainingSet + r, key -> runner.trained(r, key, cache));
              }
              case "retrieval-untrained", "attention-untrained" -> {
                Recipe r =
                    training.recipe(
                        Variant.parse(method.substring(0, method.indexOf('-'))),
                        RealTextTrainTask::taskDefaults);
                yield scores.get(method, r.peft().toString(), key -> runner.untrained(r));
              }
              default ->
                  throw new IllegalArgumentException(
                      "--methods: unknown method '"
                          + method
                          + "'; allowed: bm25, upr, instruction, hints, prompt, retrieval, attention, "
                          + "retrieval-untrained, attention-untrained");
            };
        boolean trained = List.of("prompt", "retrieval", "attention").contains(method);
        out.println(
            row(
                name(method) + (trained || method.endsWith("untrained") ? label : ""),
                measures(dev, e.scores()),
                uprM,
                e));
        out.flush();
      }
    }
    out.printf(
        Locale.ROOT,
        "%ntotal %.0f s; peak RSS (VmHWM): %s%n",
        (System.nanoTime() - start) / 1e9,
        PeakMemory.rss());
  }

  /**
   * This benchmark's budget under the command-line options: at most 4 epochs, patience 2 (a CPU
   * epoch of 320 queries takes minutes even for the 5.4M-parameter LM).
   */
  private static Recipe taskDefaults(Recipe r) {
    return new Recipe(r.peft(), r.train().toBuilder().optEpochs(4).optPatience(2).build());
  }

  private static String name(String method) {
    return switch (method) {
      case "bm25" -> "BM25";
      case "upr" -> "UPR (zero-shot)";
      case "instruction" -> "UPR, Q-PEFT layout";
      case "hints" -> "textual hints (untrained)";
      case "prompt" -> "prompt tuning";
      case "retrieval" -> "Q-PEFT-R";
      case "attention" -> "Q-PEFT-A";
      case "retrieval-untrained" -> "Q-PEFT-R untrained";
      case "attention-untrained" -> "Q-PEFT-A untrained";
      default -> method;
    };
  }

  /** Per-query Hit@1, Hit@10, nDCG@10: {@code [measure][query]}; ties keep the BM25 order. */
  static double[][] measures(List<RealTextData.Ranked> dev, List<double[]> scores) {
    double[][] m = new double[3][dev.size()];
    for (int q = 0; q < dev.size(); q++) {
      List<Candidate> c = dev.get(q).candidates();
      double[] s = scores.get(q);
      Integer[] order = new Integer[c.size()];
      for (int i = 0; i < order.length; i++) order[i] = i;
      java.util.Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
      List<String> ranking = new ArrayList<>();
      for (int i : order) ranking.add(c.get(i).docid());
      Map<String, Integer> j = dev.get(q).judgments();
      m[0][q] = HIT1.evaluate(ranking, j);
      m[1][q] = HIT10.evaluate(ranking, j);
      m[2][q] = NDCG10.evaluate(ranking, j);
    }
    return m;
  }

  private static String row(String name, double[][] m, double[][] upr, ScoreCache.Entry e) {
    if (upr == null) upr = new double[][] {new double[0], new double[0], new double[0]};
    return String.format(
        Locale.ROOT,
        "| %s | %.3f | %.3f | %.3f | %+.3f (%s) | %+.3f (%s) | %s | %s | %.0f |",
        name,
        mean(m[0]),
        mean(m[1]),
        mean(m[2]),
        mean(m[1]) - mean(upr[1]),
        p(upr[1].length == 0 ? Double.NaN : StudentT.pairedTTest(m[1], upr[1])),
        mean(m[2]) - mean(upr[2]),
        p(upr[2].length == 0 ? Double.NaN : StudentT.pairedTTest(m[2], upr[2])),
        e.epochs(),
        e.trainSeconds() > 0 ? String.format(Locale.ROOT, "%.0f", e.trainSeconds()) : "-",
        e.scoreSeconds());
  }

  private static String p(double p) {
    if (Double.isNaN(p)) return "-";
    return p < 0.001 ? "p<0.001" : String.format(Locale.ROOT, "p=%.3f", p);
  }

  static double mean(double[] x) {
    double s = 0;
    for (double v : x) s += v;
    return s / x.length;
  }

  /** Computes each method's dev scores. */
  private final class Methods {
    private final TransformerLm lm;
    private final TextTokenizer tok;
    private final RealTextData data;
    private final List<RealTextData.Ranked> dev;
    private final List<TrainingExample> train;
    private final List<TrainingExample> val;
    private final PrintWriter verbose;

    Methods(
        TransformerLm lm,
        TextTokenizer tok,
        RealTextData data,
        List<RealTextData.Ranked> dev,
        List<TrainingExample> train,
        List<TrainingExample> val,
        PrintWriter verbose) {
      this.lm = lm;
      this.tok = tok;
      this.data = data;
      this.dev = dev;
      this.train = train;
      this.val = val;
      this.verbose = verbose;
    }

    /**
     * Scores in {@code scoreThreads} threads, each on a contiguous share of the queries (scoring is
     * thread-safe; one PyTorch thread each keeps a busy machine's cores fed).
     */
    private List<double[]> parallel(Reranker r, List<List<Passage>> passages) {
      List<Query> queries = queries();
      int n = Math.max(1, Math.min(scoreThreads, queries.size()));
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(n);
      try {
        List<java.util.concurrent.Future<List<double[]>>> parts = new ArrayList<>();
        for (int t = 0; t < n; t++) {
          int from = queries.size() * t / n;
          int to = queries.size() * (t + 1) / n;
          parts.add(
              pool.submit(() -> r.scoreAll(queries.subList(from, to), passages.subList(from, to))));
        }
        List<double[]> out = new ArrayList<>();
        for (var f : parts) out.addAll(f.get());
        return out;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) throw re;
        throw new IllegalStateException(e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }

    private List<Query> queries() {
      return dev.stream().map(RealTextData.Ranked::query).toList();
    }

    private List<List<Passage>> passages() {
      return dev.stream()
          .map(r -> r.candidates().stream().map(Candidate::passage).toList())
          .toList();
    }

    ScoreCache.Entry bm25(String key) {
      List<double[]> s = new ArrayList<>();
      for (RealTextData.Ranked r : dev)
        s.add(r.candidates().stream().mapToDouble(Candidate::score).toArray());
      return new ScoreCache.Entry(s, 0, 0, "-", List.of());
    }

    ScoreCache.Entry upr(String key) {
      long t = System.nanoTime();
      try (UprReranker r = UprReranker.builder().setModel(lm).setTokenizer(tok).build()) {
        return new ScoreCache.Entry(parallel(r, passages()), 0, seconds(t), "-", List.of());
      }
    }

    ScoreCache.Entry instruction(String key) {
      long t = System.nanoTime();
      PeftConfig c = PeftConfig.defaults(Variant.INSTRUCTION);
      PeftModel pm = new PeftModel(lm, tok, c, PeftModel.initialParameters(lm, tok, c, 42));
      try (Reranker r = new QpeftReranker(pm, io.qpeft.model.LanguageModel.DEFAULT_BATCH_TOKENS)) {
        return new ScoreCache.Entry(parallel(r, passages()), 0, seconds(t), "-", List.of());
      }
    }

    ScoreCache.Entry hints(String key) {
      long t = System.nanoTime();
      PeftConfig c = PeftConfig.defaults(Variant.INSTRUCTION);
      PeftConfig r = PeftConfig.defaults(Variant.RETRIEVAL);
      PeftModel pm = new PeftModel(lm, tok, c, PeftModel.initialParameters(lm, tok, c, 42));
      List<List<Passage>> hinted = new ArrayList<>();
      for (RealTextData.Ranked q : dev) {
        List<Passage> ps = new ArrayList<>();
        for (Candidate cand : q.candidates())
          ps.add(TextualHints.withHints(q.query(), cand.passage(), r.hintsText(), r.topK()));
        hinted.add(ps);
      }
      try (Reranker rr = new QpeftReranker(pm, io.qpeft.model.LanguageModel.DEFAULT_BATCH_TOKENS)) {
        return new ScoreCache.Entry(parallel(rr, hinted), 0, seconds(t), "-", List.of());
      }
    }

    ScoreCache.Entry untrained(Recipe recipe) {
      long t = System.nanoTime();
      PeftModel pm =
          new PeftModel(
              lm,
              tok,
              recipe.peft(),
              PeftModel.initialParameters(lm, tok, recipe.peft(), recipe.train().seed()));
      try (Reranker r = new QpeftReranker(pm, io.qpeft.model.LanguageModel.DEFAULT_BATCH_TOKENS)) {
        return new ScoreCache.Entry(parallel(r, passages()), 0, seconds(t), "-", List.of());
      }
    }

    ScoreCache.Entry trained(Recipe recipe, String key, Path cache) {
      long t = System.nanoTime();
      PeftModel pm =
          new PeftModel(
              lm,
              tok,
              recipe.peft(),
              PeftModel.initialParameters(lm, tok, recipe.peft(), recipe.train().seed()));
      TrainingListener listener =
          new TrainingListener() {
            @Override
            public void onEpoch(EpochMetrics m) {
              if (verbose == null) return;
              verbose.println(key + " " + m.toJson());
              verbose.flush();
            }
          };
      Trainer.Result result =
          new Trainer(
                  pm,
                  BaseModel.of(lm.config(), null),
                  recipe.train(),
                  cache.resolve("adapters").resolve(key),
                  listener)
              .train(train, val, true);
      double trainSeconds = seconds(t);
      t = System.nanoTime();
      List<double[]> s;
      try (Reranker r = new QpeftReranker(pm, io.qpeft.model.LanguageModel.DEFAULT_BATCH_TOKENS)) {
        s = parallel(r, passages());
      }
      int last = result.history().get(result.history().size() - 1).epoch();
      List<String> log = result.history().stream().map(EpochMetrics::toJson).toList();
      return new ScoreCache.Entry(
          s, trainSeconds, seconds(t), result.bestEpoch() + " / " + last, log);
    }

    private static double seconds(long start) {
      return (System.nanoTime() - start) / 1e9;
    }
  }
}
