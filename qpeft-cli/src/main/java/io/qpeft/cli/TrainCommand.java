package io.qpeft.cli;

import io.qpeft.model.TransformerLm;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.report.Figures;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.EpochMetrics;
import io.qpeft.train.Recipe;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingExample;
import io.qpeft.train.TrainingListener;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpeft train}: trains a Q-PEFT (or prompt-tuning) adapter on DPR training JSON. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a Q-PEFT adapter (the LM stays frozen) on DPR training JSON.")
public final class TrainCommand implements Callable<Integer> {
  /** The loss curves (train and dev per epoch) drawn into the adapter folder. */
  static final String LOSS_FIGURE = "training_loss.png";

  @Spec CommandSpec spec;
  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--variant",
      defaultValue = "retrieval",
      description = "retrieval, attention or prompt (default ${DEFAULT-VALUE}).")
  String variant;

  @Option(
      names = "--train",
      required = true,
      description =
          "DPR training JSON [{question, positive_ctxs, hard_negative_ctxs}], or a BEIR folder (with --index).")
  Path train;

  @Option(
      names = "--dev",
      description =
          "DPR JSON or BEIR folder for early stopping (default: none; the train loss decides).")
  Path dev;

  @Option(
      names = "--output",
      required = true,
      description = "Adapter folder to write (best adapter, log, checkpoint).")
  Path output;

  @Option(names = "--resume", description = "Continue from the checkpoint in --output.")
  boolean resume;

  @Mixin TrainingOptions training;

  @Option(
      names = "--split",
      defaultValue = "train",
      description = "BEIR --train: the qrels split (default ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--dev-split",
      defaultValue = "dev",
      description = "BEIR --dev: the qrels split (default ${DEFAULT-VALUE}).")
  String devSplit;

  @Option(
      names = "--index",
      description = "BEIR data: qpeft index of the corpus, to mine hard negatives with BM25.")
  Path index;

  @Option(
      names = "--mine",
      defaultValue = "10",
      description = "BEIR data: BM25 hard negatives kept per query (default ${DEFAULT-VALUE}).")
  int mine;

  private List<TrainingExample> examples(String option, Path path, String qrelsSplit) {
    if (!java.nio.file.Files.exists(path))
      throw new IllegalArgumentException(option + " " + path + ": no such file or folder");
    java.io.PrintWriter err = spec.commandLine().getErr();
    if (java.nio.file.Files.isDirectory(path))
      return TrainingData.readBeir(path, qrelsSplit, index, mine, err);
    return TrainingData.read(path, err);
  }

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::train);
  }

  private int train() {
    Variant v = Variant.parse(variant);
    Recipe recipe = training.recipe(v);
    PeftConfig peft = recipe.peft();
    TrainConfig cfg = recipe.train();
    List<TrainingExample> trainSet = examples("--train", train, split);
    List<TrainingExample> devSet = dev == null ? List.of() : examples("--dev", dev, devSplit);
    Path model = modelOptions.modelDir();
    try (TransformerLm lm = modelOptions.load(model);
        TextTokenizer tok = TextTokenizer.load(model)) {
      PeftModel pm =
          new PeftModel(lm, tok, peft, PeftModel.initialParameters(lm, tok, peft, cfg.seed()));
      long total = (long) Trainer.stepsPerEpoch(trainSet.size(), cfg) * cfg.epochs();
      java.io.PrintWriter out = spec.commandLine().getOut();
      java.io.PrintWriter err = spec.commandLine().getErr();
      err.printf(
          "training %s adapter: %d trainable parameters, %d train / %d dev queries, %d steps planned%n",
          v.id(), pm.parameters().trainableCount(), trainSet.size(), devSet.size(), total);
      ProgressBar bar = Progress.bar("train", total, 0, "steps");
      try {
        TrainingListener listener =
            new TrainingListener() {
              @Override
              public void onStep(int epoch, long step, long totalSteps, double l) {
                if (bar == null) return;
                bar.stepTo(step);
                bar.setExtraMessage(String.format("epoch %d loss %.4f", epoch, l));
              }

              @Override
              public void onEpoch(EpochMetrics m) {
                out.println(m.toJson());
                out.flush();
              }
            };
        Trainer.Result r =
            new Trainer(pm, BaseModel.of(lm.config(), model), cfg, output, listener)
                .train(trainSet, devSet, resume);
        Path lossFigure = output.resolve(LOSS_FIGURE);
        Figures.loss(r.history()).write(lossFigure);
        err.printf(
            "best epoch %d (loss %.4f); adapter written to %s (loss curves: %s)%n",
            r.bestEpoch(), r.bestLoss(), output, lossFigure.getFileName());
      } finally {
        Progress.close(bar);
      }
    }
    return 0;
  }
}
