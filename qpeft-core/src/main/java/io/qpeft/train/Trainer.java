package io.qpeft.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.qpeft.model.Batching;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.Adapter;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.Binding;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Rng;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains an adapter's parameters with the frozen LM (single-threaded: DJL allows one gradient
 * collector at a time). Each step: build the batch's pairs, forward through the QD module and the
 * LM, the ranking loss, backward, global-norm clipping, AdamW (the matching parameters, see {@link
 * PeftModel#isMatching}, at {@link TrainConfig#matchLrScale()} times the learning rate). With
 * {@link TrainConfig#pairsPerStep()} a batch's pairs are split into several optimizer steps.
 *
 * <p>With a dev set, the untrained module is measured first (epoch 0), so training keeps it when no
 * epoch beats it; after each epoch the dev loss, the dev ranking measures ({@link
 * RankingValidation}) and diagnostics ({@link TrainingProbe}) are logged, and the {@link
 * TrainConfig#selection()} measure decides early stopping (patience) and which adapter is kept.
 *
 * <p>Repeatable and resumable: every random choice comes from a stream derived from (seed, epoch,
 * batch), so the checkpoint (parameters, best parameters, AdamW state, position) is all the state
 * there is, and a resumed run ends with exactly the parameters of an uninterrupted one.
 *
 * <p>Files under {@code output} (none when it is null): the best adapter ({@link Adapter}), {@code
 * training_log.jsonl} (one {@link EpochMetrics} per line) and {@code checkpoint/}.
 */
public final class Trainer {
  private final PeftModel model;
  private final BaseModel base;
  private final TrainConfig cfg;
  private final Path output;
  private final TrainingListener listener;
  private final ParameterSet params;
  private final AdamW adam;
  private final Map<String, float[]> grads = new LinkedHashMap<>();
  private final Engine engine = Engine.getEngine("PyTorch");

  /**
   * The outcome: per-epoch metrics (epoch 0 first when there is a dev set), the kept epoch and its
   * loss (dev loss, or train loss without dev), the best adapter's parameters (also left in the
   * model).
   */
  public record Result(
      List<EpochMetrics> history,
      double bestLoss,
      int bestEpoch,
      long steps,
      boolean earlyStopped,
      ParameterSet best) {}

  public Trainer(
      PeftModel model, BaseModel base, TrainConfig cfg, Path output, TrainingListener listener) {
    if (model.parameters().trainableNames().isEmpty()) {
      throw new IllegalArgumentException(
          "variant "
              + model.config().variant().id()
              + " has no trainable parameters; nothing to train");
    }
    this.model = model;
    this.base = base;
    this.cfg = cfg;
    this.output = output;
    this.listener = listener == null ? TrainingListener.NONE : listener;
    this.params = model.parameters();
    this.adam = new AdamW(cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay());
    for (String name : params.trainableNames())
      grads.put(name, new float[params.get(name).data().length]);
  }

  public static int stepsPerEpoch(int examples, TrainConfig cfg) {
    return (examples + cfg.batchQueries() - 1) / cfg.batchQueries();
  }

  /** Trains; with {@code resume} and a checkpoint under {@code output}, continues from it. */
  public Result train(List<TrainingExample> train, List<TrainingExample> dev, boolean resume) {
    if (train.isEmpty()) throw new IllegalArgumentException("the training set is empty");
    int perEpoch = stepsPerEpoch(train.size(), cfg);
    long totalSteps = (long) perEpoch * cfg.epochs();
    String fingerprint = Checkpoint.fingerprint(model.config(), cfg, train.size(), dev.size());
    Checkpoint.State s =
        resume && output != null ? Checkpoint.load(output, fingerprint, params, adam) : null;
    if (s == null) s = Checkpoint.State.fresh();
    if (s.history.isEmpty() && !dev.isEmpty()) {
      long start = System.nanoTime();
      endEpoch(s, true, Double.NaN, dev, start, fingerprint); // epoch 0: the untrained module
    }
    while (s.epoch < cfg.epochs() && !s.stopped) {
      long epochStart = System.nanoTime();
      int[] order = new int[train.size()];
      for (int i = 0; i < order.length; i++) order[i] = i;
      Rng.derive(cfg.seed(), s.epoch).shuffle(order);
      for (int b = s.batch; b < perEpoch; b++) {
        List<TrainingExample> examples = new ArrayList<>();
        for (int k = b * cfg.batchQueries();
            k < Math.min(train.size(), (b + 1) * cfg.batchQueries());
            k++) {
          examples.add(train.get(order[k]));
        }
        Rng rng = Rng.derive(cfg.seed(), s.epoch, b);
        TrainingBatch batch = TrainingBatch.of(examples, cfg, rng);
        double lr =
            cfg.linearDecay()
                ? cfg.learningRate() * (1 - (double) s.step / totalSteps)
                : cfg.learningRate();
        double loss = 0;
        List<TrainingBatch> parts =
            cfg.pairsPerStep() > 0 ? batch.split(cfg.pairsPerStep()) : List.of(batch);
        for (TrainingBatch part : parts) {
          loss += step(part, rng, lr, s) / parts.size();
          s.updates++;
        }
        s.step++;
        s.batch = b + 1;
        s.lossSum += loss;
        s.lossCount++;
        s.lastLr = lr;
        if (cfg.checkpointEvery() > 0 && s.step % cfg.checkpointEvery() == 0) save(s, fingerprint);
        listener.onStep(s.epoch + 1, s.step, totalSteps, loss);
      }
      double trainLoss = s.lossSum / Math.max(1, s.lossCount);
      endEpoch(s, false, trainLoss, dev, epochStart, fingerprint);
    }
    if (s.best != null) params.assign(s.best);
    double bestLoss = Double.NaN;
    for (EpochMetrics m : s.history)
      if (m.epoch() == s.bestEpoch) bestLoss = dev.isEmpty() ? m.trainLoss() : m.devLoss();
    return new Result(List.copyOf(s.history), bestLoss, s.bestEpoch, s.step, s.stopped, s.best);
  }

  /**
   * Measures the epoch that ended (or, with no step yet, the untrained module as epoch 0), keeps
   * the best adapter, logs and checkpoints.
   */
  private void endEpoch(
      Checkpoint.State s,
      boolean initial,
      double trainLoss,
      List<TrainingExample> dev,
      long epochStart,
      String fingerprint) {
    double devLoss = dev.isEmpty() ? Double.NaN : evaluate(dev);
    Map<String, Double> measures = new LinkedHashMap<>();
    if (!dev.isEmpty()) {
      measures.putAll(RankingValidation.evaluate(model, dev));
      measures.putAll(
          TrainingProbe.measure(model, model.lm().inputEmbeddings(), dev, PROBE_QUERIES));
    }
    double decisive =
        cfg.selection() == Selection.RANKING && !dev.isEmpty()
            ? -measures.get(RankingValidation.SELECTED)
            : dev.isEmpty() ? trainLoss : devLoss;
    if (!Double.isFinite(decisive)) {
      throw new TrainingDivergedException(
          (dev.isEmpty() ? "train" : "dev")
              + " "
              + (cfg.selection() == Selection.RANKING && !dev.isEmpty()
                  ? RankingValidation.SELECTED
                  : "loss")
              + " is "
              + decisive
              + " after epoch "
              + (initial ? 0 : s.epoch + 1)
              + "; training stopped."
              + (output == null
                  ? ""
                  : " The last good checkpoint (step "
                      + Checkpoint.savedStep(output)
                      + ") is kept in "
                      + Checkpoint.dir(output)
                      + "."));
    }
    int epoch = initial ? 0 : s.epoch + 1;
    boolean best = s.best == null || decisive < s.bestLoss;
    if (best) {
      s.best = params.copy();
      s.bestLoss = decisive;
      s.bestEpoch = epoch;
      s.badEpochs = 0;
      if (output != null)
        Adapter.save(output, model.config(), s.best, base, Checkpoint.trainingJson(cfg));
    } else {
      s.badEpochs++;
    }
    EpochMetrics metrics =
        new EpochMetrics(
            epoch,
            s.step,
            trainLoss,
            devLoss,
            s.lastLr,
            best,
            (System.nanoTime() - epochStart) / 1e9,
            measures);
    s.history.add(metrics);
    if (!initial) {
      s.epoch++;
      s.batch = 0;
      s.lossSum = 0;
      s.lossCount = 0;
      s.stopped = s.badEpochs >= cfg.patience();
    }
    if (output != null) {
      Checkpoint.writeLog(output, s.history);
      save(s, fingerprint);
    }
    listener.onEpoch(metrics);
  }

  /** Dev queries the {@link TrainingProbe} diagnostics look at. */
  static final int PROBE_QUERIES = 16;

  private void save(Checkpoint.State s, String fingerprint) {
    if (output != null) Checkpoint.save(output, fingerprint, s, params, adam);
  }

  /** One optimizer step; returns the batch loss. */
  private double step(TrainingBatch batch, Rng dropout, double lr, Checkpoint.State s) {
    double loss = lossAndGradients(batch, dropout, grads);
    if (!Double.isFinite(loss)) {
      throw new TrainingDivergedException(
          "loss is "
              + loss
              + " at epoch "
              + (s.epoch + 1)
              + ", step "
              + (s.step + 1)
              + "; training stopped. "
              + (output == null
                  ? ""
                  : "The last good checkpoint (step "
                      + Checkpoint.savedStep(output)
                      + ") is kept in "
                      + Checkpoint.dir(output)
                      + ". ")
              + "Try a lower --lr or --clip-norm.");
    }
    clip();
    adam.step(params, grads, name -> model.isMatching(name) ? lr * cfg.matchLrScale() : lr);
    for (float[] g : grads.values()) java.util.Arrays.fill(g, 0f);
    return loss;
  }

  /**
   * The batch loss and its gradient, added into {@code into} (name -> buffer of the parameter's
   * size, trainable parameters only). Nothing is added when the loss is not finite. The pairs share
   * forward passes of at most {@link TrainConfig#batchTokens()} padded tokens.
   */
  public double lossAndGradients(TrainingBatch batch, Rng dropout, Map<String, float[]> into) {
    List<PeftModel.Prepared> pairs = prepare(batch);
    List<int[]> passes =
        cfg.batchTokens() > 0
            ? Batching.plan(
                pairs.stream().map(PeftModel.Prepared::request).toList(), cfg.batchTokens())
            : List.of(identity(pairs.size()));
    // pair i's dropout masks come from its own stream (seed, i): the same whichever pass it is in
    Long dropoutSeed = dropout == null ? null : dropout.nextLong();
    TransformerLm.gradientLock().lock(); // one GradientCollector at a time, process-wide
    try {
      return passes.size() <= 1
          ? onePass(batch, pairs, dropoutSeed, into)
          : severalPasses(batch, pairs, passes, dropoutSeed, into);
    } finally {
      TransformerLm.gradientLock().unlock();
    }
  }

  /** Pair {@code pass[k]}'s dropout stream for the k-th pair of a pass; null: no dropout. */
  private static java.util.function.IntFunction<Rng> streams(Long seed, int[] pass) {
    return seed == null ? null : k -> Rng.derive(seed, pass[k]);
  }

  private static int[] identity(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }

  /** All pairs in one forward pass, one backward. */
  private double onePass(
      TrainingBatch batch,
      List<PeftModel.Prepared> pairs,
      Long dropoutSeed,
      Map<String, float[]> into) {
    try (NDManager m = model.lm().newManager()) {
      Binding b = new Binding(m, params, model.embeddingRows(pairs), true);
      try (GradientCollector gc = engine.newGradientCollector()) {
        NDArray nll =
            model
                .meanLogprobs(b, pairs, streams(dropoutSeed, identity(pairs.size())), false)
                .neg(); // (pairs)
        NDArray l = batch.loss(m, nll, cfg);
        double loss = l.getFloat();
        if (!Double.isFinite(loss)) return loss;
        if (reachesTrainable(pairs)) {
          gc.backward(l);
          b.addGradientsTo(into);
        }
        return loss;
      }
    }
  }

  /**
   * Pairs in several passes: the loss depends on the pairs only through their NLLs, so a first pass
   * without gradient gives g = dLoss/dNLL, and each pass then back-propagates sum_i g_i NLL_i over
   * its own pairs; the sum over passes is the full gradient. Each pair draws its dropout masks from
   * its own stream, so both rounds (and a single pass) see the same masks.
   */
  private double severalPasses(
      TrainingBatch batch,
      List<PeftModel.Prepared> pairs,
      List<int[]> passes,
      Long dropoutSeed,
      Map<String, float[]> into) {
    float[] nll = new float[pairs.size()];
    for (int[] pass : passes) {
      List<PeftModel.Prepared> part = select(pairs, pass);
      try (NDManager m = model.lm().newManager()) {
        Binding b = new Binding(m, params, model.embeddingRows(part), false);
        float[] lp = model.meanLogprobs(b, part, streams(dropoutSeed, pass), false).toFloatArray();
        for (int k = 0; k < pass.length; k++) nll[pass[k]] = -lp[k];
      }
    }
    float[] g;
    double loss;
    try (NDManager m = model.lm().newManager()) {
      NDArray x = m.create(nll);
      x.setRequiresGradient(true);
      try (GradientCollector gc = engine.newGradientCollector()) {
        NDArray l = batch.loss(m, x, cfg);
        loss = l.getFloat();
        if (!Double.isFinite(loss)) return loss;
        gc.backward(l);
        g = x.getGradient().toFloatArray();
      }
    }
    for (int[] pass : passes) {
      List<PeftModel.Prepared> part = select(pairs, pass);
      float[] w = new float[pass.length];
      for (int k = 0; k < pass.length; k++) w[k] = g[pass[k]];
      try (NDManager m = model.lm().newManager()) {
        Binding b = new Binding(m, params, model.embeddingRows(part), true);
        try (GradientCollector gc = engine.newGradientCollector()) {
          NDArray lp = model.meanLogprobs(b, part, streams(dropoutSeed, pass), false); // (part)
          if (!reachesTrainable(part)) continue; // a zero gradient
          gc.backward(lp.mul(m.create(w)).sum().neg()); // d/dθ of sum_i g_i NLL_i
          b.addGradientsTo(into);
        }
      }
    }
    return loss;
  }

  /**
   * Whether any trainable parameter enters these pairs' forward pass. Not when no pair has a hint
   * (e.g. no passage holds a query token under {@code --min-similarity 1}) and neither the soft
   * prompt nor the hint words are trained: the gradient is then zero, and PyTorch refuses a
   * backward pass from a loss that needs none.
   */
  private boolean reachesTrainable(List<PeftModel.Prepared> pairs) {
    PeftConfig c = model.config();
    return c.trainSoftPrompt() || c.wrapHints() || pairs.stream().anyMatch(p -> p.hintCount() > 0);
  }

  private static List<PeftModel.Prepared> select(List<PeftModel.Prepared> all, int[] idx) {
    List<PeftModel.Prepared> out = new ArrayList<>(idx.length);
    for (int i : idx) out.add(all.get(i));
    return out;
  }

  /** The batch loss without gradient or dropout. */
  public double loss(TrainingBatch batch) {
    List<PeftModel.Prepared> pairs = prepare(batch);
    try (NDManager m = model.lm().newManager()) {
      Binding b = new Binding(m, params, model.embeddingRows(pairs), false);
      return batch.loss(m, model.meanLogprobs(b, pairs, null).neg(), cfg).getFloat();
    }
  }

  private void clip() {
    if (cfg.clipNorm() <= 0) return;
    double sq = 0;
    for (float[] g : grads.values()) for (float x : g) sq += (double) x * x;
    double norm = Math.sqrt(sq);
    if (norm > cfg.clipNorm()) {
      float scale = (float) (cfg.clipNorm() / norm);
      for (float[] g : grads.values()) for (int i = 0; i < g.length; i++) g[i] *= scale;
    }
  }

  private List<PeftModel.Prepared> prepare(TrainingBatch batch) {
    List<PeftModel.Prepared> pairs = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++)
      pairs.add(model.prepare(batch.queries().get(i), batch.passages().get(i)));
    return pairs;
  }

  /**
   * The mean batch loss over {@code dev} (first positive, first hard negatives, no dropout, no
   * gradient).
   */
  public double evaluate(List<TrainingExample> dev) {
    double sum = 0;
    int n = 0;
    for (int start = 0; start < dev.size(); start += cfg.batchQueries()) {
      sum +=
          loss(
              TrainingBatch.of(
                  dev.subList(start, Math.min(dev.size(), start + cfg.batchQueries())), cfg, null));
      n++;
    }
    return sum / n;
  }
}
