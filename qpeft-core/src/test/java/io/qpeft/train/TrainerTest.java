package io.qpeft.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.Adapter;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.Mlp;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainerTest {
  static TransformerLm lm;
  static TextTokenizer tok;
  static final List<TrainingExample> TRAIN = TrainFixtures.examples(4, 11);
  static final List<TrainingExample> DEV = TrainFixtures.examples(2, 12);
  static final TrainConfig CFG =
      TrainConfig.builder().optBatchQueries(2).optEpochs(2).optCheckpointEvery(1).build();
  static final PeftConfig PEFT =
      PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(3).build();

  @BeforeAll
  static void load() {
    lm = Models.load(Fixtures.model("tiny-llama"));
    tok = TextTokenizer.load(Fixtures.model("tiny-llama"));
  }

  @AfterAll
  static void close() {
    lm.close();
    tok.close();
  }

  private static PeftModel fresh() {
    return new PeftModel(lm, tok, PEFT, PeftModel.initialParameters(lm, tok, PEFT, 42));
  }

  private static Trainer trainer(PeftModel m, Path out, TrainingListener l) {
    return new Trainer(m, BaseModel.of(lm.config(), Fixtures.model("tiny-llama")), CFG, out, l);
  }

  /**
   * Q-PEFT-R hints only from the query's own tokens, and no passage holds one: no pair has hints,
   * nothing trainable reaches the loss, and training runs on (a zero gradient) instead of failing
   * in the backward pass; with one forward pass per step and with several.
   */
  @Test
  void batchesWithoutAnyHintTrainWithAZeroGradient(@TempDir Path dir) {
    List<TrainingExample> unmatched = new ArrayList<>();
    for (TrainingExample e : TRAIN) {
      unmatched.add(
          new TrainingExample(
              new Query(e.query().qid(), "zebra quartz"), e.positives(), e.hardNegatives()));
    }
    PeftConfig exact = PEFT.toBuilder().optMinSimilarity(1).optResidualMlp(true).build();
    for (int budget : new int[] {0, 16}) {
      PeftModel m = new PeftModel(lm, tok, exact, PeftModel.initialParameters(lm, tok, exact, 42));
      TrainConfig cfg = CFG.toBuilder().optBatchTokens(budget).build();
      Trainer.Result r =
          new Trainer(m, BaseModel.of(lm.config(), null), cfg, dir.resolve("b" + budget), null)
              .train(unmatched, unmatched, false);
      assertEquals(4, r.steps());
      assertTrue(Double.isFinite(r.history().get(r.history().size() - 1).trainLoss()));
      // no gradient ever reached the MLP: its last layer is still the zero it started as
      for (float w : m.parameters().get(Mlp.W2).data()) assertEquals(0f, w);
    }
  }

  /**
   * 4 steps straight vs. 3 steps, a crash, and a resume from the step-3 checkpoint: identical bits.
   */
  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path dir) {
    PeftModel straight = fresh();
    Trainer.Result r1 = trainer(straight, dir.resolve("a"), null).train(TRAIN, DEV, false);
    assertEquals(4, r1.steps());

    PeftModel killed = fresh();
    TrainingListener crash =
        new TrainingListener() {
          @Override
          public void onStep(int epoch, long step, long total, double loss) {
            if (step == 3) throw new IllegalStateException("simulated kill");
          }
        };
    assertThrows(
        IllegalStateException.class,
        () -> trainer(killed, dir.resolve("b"), crash).train(TRAIN, DEV, false));
    PeftModel resumed = fresh(); // a new process: fresh parameters, then the checkpoint
    Trainer.Result r2 = trainer(resumed, dir.resolve("b"), null).train(TRAIN, DEV, true);
    assertTrue(straight.parameters().sameAs(resumed.parameters()), "final parameters differ");
    assertEquals(r1.bestLoss(), r2.bestLoss());
    assertEquals(r1.history().size(), r2.history().size());
    for (int i = 0; i < r1.history().size(); i++) {
      assertEquals(r1.history().get(i).trainLoss(), r2.history().get(i).trainLoss());
      assertEquals(r1.history().get(i).devLoss(), r2.history().get(i).devLoss());
    }
    assertTrue(Files.isRegularFile(dir.resolve("b/training_log.jsonl")));
  }

  /**
   * Resume stays exact with several optimizer steps per batch (the official granularity), a smaller
   * learning rate for Q-PEFT-A's query side, ranking selection and the probes; epoch 0 (the
   * untrained module) is logged with the ranking measures and diagnostics.
   */
  @Test
  void resumeIsExactWithPairStepsParameterGroupsAndRankingSelection(@TempDir Path dir) {
    TrainConfig cfg =
        CFG.toBuilder()
            .optPairsPerStep(2)
            .optMatchLrScale(0.1)
            .optSelection(Selection.RANKING)
            .optClipNorm(0)
            .build();
    PeftConfig peft =
        PeftConfig.builder()
            .setVariant(Variant.ATTENTION)
            .optResidualMlp(true)
            .optAttentionInit(io.qpeft.peft.AttentionInit.IDENTITY)
            .optAttentionScore(io.qpeft.peft.AttentionScore.COSINE)
            .build();
    java.util.function.Supplier<PeftModel> fresh =
        () -> new PeftModel(lm, tok, peft, PeftModel.initialParameters(lm, tok, peft, 42));
    BaseModel base = BaseModel.of(lm.config(), null);
    PeftModel straight = fresh.get();
    Trainer.Result r1 =
        new Trainer(straight, base, cfg, dir.resolve("a"), null).train(TRAIN, DEV, false);
    assertEquals(0, r1.history().get(0).epoch());
    assertTrue(Double.isNaN(r1.history().get(0).trainLoss()));
    for (String m : List.of(RankingValidation.SELECTED, "drift", "hint_gap", "attn_match"))
      assertTrue(Double.isFinite(r1.history().get(1).measure(m)), m);
    assertEquals(0.0, r1.history().get(0).measure("drift"));
    PeftModel killed = fresh.get();
    TrainingListener crash =
        new TrainingListener() {
          @Override
          public void onStep(int epoch, long step, long total, double loss) {
            if (step == 3) throw new IllegalStateException("simulated kill");
          }
        };
    assertThrows(
        IllegalStateException.class,
        () -> new Trainer(killed, base, cfg, dir.resolve("b"), crash).train(TRAIN, DEV, false));
    PeftModel resumed = fresh.get();
    Trainer.Result r2 =
        new Trainer(resumed, base, cfg, dir.resolve("b"), null).train(TRAIN, DEV, true);
    assertTrue(straight.parameters().sameAs(resumed.parameters()), "final parameters differ");
    assertEquals(r1.bestEpoch(), r2.bestEpoch());
    assertEquals(
        r1.history(), r2.history().stream().map(m -> withSeconds(m, r1.history())).toList());
  }

  /** {@code m} with the seconds of the same epoch in {@code ref} (timings differ between runs). */
  private static EpochMetrics withSeconds(EpochMetrics m, List<EpochMetrics> ref) {
    double s = ref.stream().filter(r -> r.epoch() == m.epoch()).findFirst().orElseThrow().seconds();
    return new EpochMetrics(
        m.epoch(),
        m.step(),
        m.trainLoss(),
        m.devLoss(),
        m.learningRate(),
        m.best(),
        s,
        m.measures());
  }

  /**
   * Ranking selection keeps the epoch with the best dev nDCG@10, the untrained module (epoch 0)
   * included: with it kept, the parameters are the initial ones.
   */
  @Test
  void rankingSelectionKeepsTheBestRankingEpochUntrainedIncluded() {
    TrainConfig cfg =
        CFG.toBuilder()
            .optSelection(Selection.RANKING)
            .optLearningRate(3)
            .optClipNorm(0)
            .optEpochs(2)
            .build();
    PeftModel m = fresh();
    ParameterSet initial = m.parameters().copy();
    Trainer.Result r = new Trainer(m, null, cfg, null, null).train(TRAIN, DEV, false);
    EpochMetrics best = r.history().get(0);
    for (EpochMetrics e : r.history())
      if (e.measure(RankingValidation.SELECTED) > best.measure(RankingValidation.SELECTED))
        best = e;
    assertEquals(best.epoch(), r.bestEpoch());
    assertEquals(best.devLoss(), r.bestLoss());
    assertEquals(r.bestEpoch() == 0, initial.sameAs(m.parameters()));
  }

  @Test
  void savedAdapterScoresLikeTheTrainedModelAndChecksTheBase(@TempDir Path dir) {
    PeftModel m = fresh();
    trainer(m, dir, null).train(TRAIN, DEV, false);
    assertTrue(Files.isRegularFile(dir.resolve(Adapter.WEIGHTS_FILE)));
    List<Passage> passages = TRAIN.get(0).positives();
    double[] direct = new QpeftReranker(m, 4096).score(TRAIN.get(0).query(), passages);
    try (QpeftReranker r = QpeftReranker.load(lm, tok, dir, Fixtures.model("tiny-llama"))) {
      assertArrayEquals(direct, r.score(TRAIN.get(0).query(), passages), 1e-6);
    }
    try (TransformerLm other = Models.load(Fixtures.model("tiny-gpt2"))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> QpeftReranker.load(other, tok, dir));
      assertTrue(
          e.getMessage().contains("llama") && e.getMessage().contains("gpt2"), e.getMessage());
    }
  }

  @Test
  void nanLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) {
    PeftModel m = fresh();
    TrainingListener poison =
        new TrainingListener() {
          @Override
          public void onStep(int epoch, long step, long total, double loss) {
            if (step == 2) m.parameters().get(Mlp.B2).data()[0] = Float.NaN;
          }
        };
    TrainingDivergedException e =
        assertThrows(
            TrainingDivergedException.class,
            () -> trainer(m, dir, poison).train(TRAIN, DEV, false));
    assertTrue(
        e.getMessage().contains("NaN") && e.getMessage().contains("checkpoint (step 2)"),
        e.getMessage());
    assertEquals(2, Checkpoint.savedStep(dir));
    PeftModel again = fresh();
    Trainer.Result r = trainer(again, dir, null).train(TRAIN, DEV, true);
    assertEquals(4, r.steps());
    assertFalse(Float.isNaN(again.parameters().get(Mlp.B2).data()[0]));
  }

  @Test
  void resumeWithOtherSettingsIsRefused(@TempDir Path dir) {
    PeftModel m = fresh();
    trainer(m, dir, null).train(TRAIN, DEV, false);
    Trainer other =
        new Trainer(
            fresh(),
            BaseModel.of(lm.config(), null),
            CFG.toBuilder().optLearningRate(0.1).build(),
            dir,
            null);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> other.train(TRAIN, DEV, true));
    assertTrue(e.getMessage().contains("other settings"), e.getMessage());
  }

  /**
   * A short Q-PEFT-R run on each family lowers the loss on its training queries (dev = train, so
   * the best epoch is judged on what was fitted).
   */
  @ParameterizedTest
  @MethodSource("io.qpeft.Fixtures#models")
  void trainingLowersTheLossOnEveryFamily(String name) {
    try (TransformerLm model = Models.load(Fixtures.model(name));
        TextTokenizer tokenizer = TextTokenizer.load(Fixtures.model(name))) {
      PeftModel m =
          new PeftModel(
              model, tokenizer, PEFT, PeftModel.initialParameters(model, tokenizer, PEFT, 42));
      Trainer t =
          new Trainer(
              m,
              BaseModel.of(model.config(), null),
              CFG.toBuilder().optEpochs(3).build(),
              null,
              null);
      double before = t.evaluate(TRAIN);
      Trainer.Result r = t.train(TRAIN, TRAIN, false);
      assertTrue(
          r.bestLoss() < before - 1e-3, name + ": loss " + before + " -> best " + r.bestLoss());
      assertEquals(r.bestLoss(), t.evaluate(TRAIN), 1e-5); // the best parameters stay in place
    }
  }

  @Test
  void nothingToTrainIsAClearError() {
    PeftConfig c = PeftConfig.defaults(Variant.INSTRUCTION);
    PeftModel m = new PeftModel(lm, tok, c, PeftModel.initialParameters(lm, tok, c, 42));
    assertThrows(IllegalArgumentException.class, () -> trainer(m, null, null));
    assertTrue(m.parameters().trainableNames().isEmpty());
    assertTrue(m.parameters().contains(ParameterSet.SOFT_PROMPT));
  }
}
