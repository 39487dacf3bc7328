package io.qpeft.bench;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.eval.RankMeasure;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.Scored;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingExample;
import io.qpeft.train.TrainingListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the learnability benchmark on a {@link LearnabilityTask}: for each training size, the
 * first-stage order, zero-shot UPR, prompt tuning, Q-PEFT-R and Q-PEFT-A, all measured on the same
 * test queries by Hit@10 and Recall@10 (the Q-PEFT paper's measures, {@link RankMeasure}).
 *
 * <p>The first stage and UPR do not depend on the training size; they are measured once and
 * repeated in each size's rows. Each trained method starts from fresh parameters (same seed) and
 * keeps the parameters of its best dev-loss epoch (the Trainer's early stopping).
 */
final class LearnabilityBench {
  /** Methods in table order. */
  enum Method {
    FIRST_STAGE("first-stage order", null),
    UPR("UPR (zero-shot)", null),
    PROMPT("prompt tuning", Variant.PROMPT),
    RETRIEVAL("Q-PEFT-R", Variant.RETRIEVAL),
    ATTENTION("Q-PEFT-A", Variant.ATTENTION);

    final String label;
    final Variant variant;

    Method(String label, Variant variant) {
      this.label = label;
      this.variant = variant;
    }
  }

  /**
   * One table row.
   *
   * @param epochs epochs trained (0 when untrained)
   * @param devLossFirst dev loss after the first epoch (NaN when untrained)
   * @param devLossBest best dev loss (NaN when untrained)
   * @param seconds wall time: training and scoring the test candidates
   */
  record Row(
      int trainQueries,
      Method method,
      double hit10,
      double recall10,
      int epochs,
      double devLossFirst,
      double devLossBest,
      double seconds) {}

  /**
   * @param epochs maximum epochs per training run
   * @param maxSteps cap on optimizer steps per training run: epochs = min(epochs, max(1, maxSteps /
   *     steps per epoch)); 0: no cap
   */
  record Settings(
      int epochs,
      int maxSteps,
      TrainConfig train,
      PeftConfig retrieval,
      PeftConfig attention,
      PeftConfig prompt,
      List<Method> methods) {}

  private static final RankMeasure HIT10 = RankMeasure.parse("Hit@10", 1);
  private static final RankMeasure RECALL10 = RankMeasure.parse("Recall@10", 1);

  private final TransformerLm lm;
  private final TextTokenizer tokenizer;
  private final LearnabilityTask task;
  private final Settings settings;
  private final TrainingListener listener;

  LearnabilityBench(
      TransformerLm lm,
      TextTokenizer tokenizer,
      LearnabilityTask task,
      Settings settings,
      TrainingListener listener) {
    this.lm = lm;
    this.tokenizer = tokenizer;
    this.task = task;
    this.settings = settings;
    this.listener = listener;
  }

  /** Runs every size (each at most the task's training pool), reporting each row as it is done. */
  List<Row> run(int[] sizes, Consumer<Row> onRow) {
    List<Row> rows = new ArrayList<>();
    long t = System.nanoTime();
    double[] first = measure(firstStageScores());
    double firstSeconds = seconds(t);
    t = System.nanoTime();
    double[] upr;
    try (UprReranker r = UprReranker.builder().setModel(lm).setTokenizer(tokenizer).build()) {
      upr = measure(scores(r));
    }
    double uprSeconds = seconds(t);
    for (int size : sizes) {
      if (size > task.train().size()) {
        throw new IllegalArgumentException(
            "training size " + size + " exceeds the pool of " + task.train().size());
      }
      emit(
          rows,
          onRow,
          new Row(
              size,
              Method.FIRST_STAGE,
              first[0],
              first[1],
              0,
              Double.NaN,
              Double.NaN,
              firstSeconds));
      emit(
          rows,
          onRow,
          new Row(size, Method.UPR, upr[0], upr[1], 0, Double.NaN, Double.NaN, uprSeconds));
      for (Method m : new Method[] {Method.PROMPT, Method.RETRIEVAL, Method.ATTENTION}) {
        if (settings.methods().contains(m)) emit(rows, onRow, trained(size, m));
      }
    }
    return rows;
  }

  private static void emit(List<Row> rows, Consumer<Row> onRow, Row r) {
    rows.add(r);
    onRow.accept(r);
  }

  /** Trains {@code method} on the first {@code size} training queries and measures it. */
  Row trained(int size, Method method) {
    long t = System.nanoTime();
    PeftConfig peft =
        switch (method.variant) {
          case RETRIEVAL -> settings.retrieval();
          case ATTENTION -> settings.attention();
          default -> settings.prompt();
        };
    List<TrainingExample> train = task.train().subList(0, size);
    int perEpoch = Trainer.stepsPerEpoch(size, settings.train());
    int epochs =
        settings.maxSteps() == 0
            ? settings.epochs()
            : Math.min(settings.epochs(), Math.max(1, settings.maxSteps() / perEpoch));
    TrainConfig cfg = settings.train().toBuilder().optEpochs(epochs).build();
    PeftModel pm =
        new PeftModel(
            lm, tokenizer, peft, PeftModel.initialParameters(lm, tokenizer, peft, cfg.seed()));
    Trainer.Result result =
        new Trainer(pm, null, cfg, null, listener).train(train, task.dev(), false);
    double[] m;
    try (QpeftReranker r = new QpeftReranker(pm, LanguageModel.DEFAULT_BATCH_TOKENS)) {
      m = measure(scores(r));
    }
    List<EpochMetrics> h =
        result.history().stream().filter(e -> e.epoch() > 0).toList(); // epoch 0: untrained
    return new Row(
        size, method, m[0], m[1], h.size(), h.get(0).devLoss(), result.bestLoss(), seconds(t));
  }

  /** Scores of every test query's candidates; the first stage scores by descending rank. */
  private List<double[]> firstStageScores() {
    List<double[]> out = new ArrayList<>();
    for (LearnabilityTask.TestQuery q : task.test()) {
      double[] s = new double[q.candidates().size()];
      for (int i = 0; i < s.length; i++) s[i] = -i;
      out.add(s);
    }
    return out;
  }

  private List<double[]> scores(Reranker r) {
    List<Query> queries = new ArrayList<>();
    List<List<Passage>> passages = new ArrayList<>();
    for (LearnabilityTask.TestQuery q : task.test()) {
      queries.add(q.query());
      passages.add(q.candidates());
    }
    return r.scoreAll(queries, passages);
  }

  /** Mean Hit@10 and Recall@10 over the test queries; ties keep the first-stage order. */
  double[] measure(List<double[]> scores) {
    double hit = 0;
    double recall = 0;
    for (int i = 0; i < task.test().size(); i++) {
      LearnabilityTask.TestQuery q = task.test().get(i);
      List<String> ranking =
          Reranker.sortScores(q.candidates(), scores.get(i), 0).stream()
              .map(Scored::passage)
              .map(Passage::docid)
              .toList();
      Map<String, Integer> judgments = new HashMap<>();
      for (String d : q.relevant()) judgments.put(d, 1);
      hit += HIT10.evaluate(ranking, judgments);
      recall += RECALL10.evaluate(ranking, judgments); // every test query has a relevant candidate
    }
    return new double[] {hit / task.test().size(), recall / task.test().size()};
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
