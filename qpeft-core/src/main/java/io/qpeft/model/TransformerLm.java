package io.qpeft.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What every decoder-only family shares: packing requests into right-padded batches, splicing soft
 * vectors into the embedded sequence, and reading log-probabilities of the target tokens only.
 *
 * <p>Scoring never builds the full {@code (batch, tokens, vocab)} logits: the final hidden state is
 * gathered at the rows that predict a target token, and only those rows meet the LM head. With
 * right padding and a causal mask, padded keys lie after every real query position, so no extra key
 * mask is needed and batched results equal unbatched ones.
 *
 * <p>Subclasses give the token embedding, the transformer body and the head. Every operation puts a
 * per-call array first, so results belong to the call's manager, never to the weights' manager.
 *
 * <p>The weights live on one device in one dtype (F32, or F16 on a GPU; see {@link EngineOptions});
 * whatever it is, soft vectors arrive in F32 and are cast at the splice, and the logits rows are
 * cast to F32 before the log-softmax, so log-probabilities and gradients are F32.
 */
public abstract class TransformerLm implements LanguageModel {
  /** DJL allows one gradient collector at a time, process-wide. */
  private static final ReentrantLock GRADIENT_LOCK = new ReentrantLock();

  /**
   * The lock every caller must hold while a DJL GradientCollector is open (DJL allows one at a time
   * in the whole process): {@link #scoreWithGradient} and training take it.
   */
  public static ReentrantLock gradientLock() {
    return GRADIENT_LOCK;
  }

  protected final ModelConfig config;
  protected final NDManager weights;
  private final MemoryBackoff backoff = new MemoryBackoff();
  private volatile int defaultBatchTokens;

  protected TransformerLm(ModelConfig config, NDManager weights) {
    this.config = config;
    this.weights = weights;
  }

  /**
   * A new manager on the model's device, for one call's arrays (close it when done). Everything
   * that meets the model's weights must come from one of these.
   */
  public NDManager newManager() {
    return weights.getEngine().newBaseManager(weights.getDevice());
  }

  /** The device the weights are on, the engine build and the weights' dtype. */
  public Placement placement() {
    return new Placement(
        weights.getDevice(), DType.of(inputEmbeddings().getDataType()), EngineBuild.detect());
  }

  /** The data type of the weights and of the forward pass's activations. */
  protected DataType computeType() {
    return inputEmbeddings().getDataType();
  }

  /**
   * The token budget for this model on its device: {@link MemoryBudget#CPU_TOKENS} on the CPU,
   * derived from the GPU's free memory (measured once, the first time this is asked) on a GPU.
   */
  @Override
  public int defaultBatchTokens() {
    int t = defaultBatchTokens;
    if (t == 0) defaultBatchTokens = t = MemoryBudget.tokens(config, placement());
    return t;
  }

  /** The out-of-memory back-off of {@link #score} (tests simulate failures through it). */
  MemoryBackoff backoff() {
    return backoff;
  }

  /** Token embeddings of {@code ids (batch, tokens)} -> {@code (batch, tokens, hidden)}. */
  protected abstract NDArray embedTokens(NDArray ids);

  /**
   * The transformer from input embeddings to the final normalised hidden state, same shape. With
   * {@code inPlace} (no gradient wanted) element-wise steps overwrite fresh intermediates instead
   * of allocating new ones: on CPU, allocating and first touching large arrays costs more than the
   * arithmetic. Autograd forbids it, so the gradient path passes {@code false}.
   */
  protected abstract NDArray body(NDArray x, boolean inPlace);

  /**
   * {@code a + b}, written into {@code a} when {@code inPlace}; {@code a} must be a fresh
   * intermediate.
   */
  protected static NDArray add(NDArray a, NDArray b, boolean inPlace) {
    return inPlace ? a.addi(b) : a.add(b);
  }

  /**
   * {@code a * b}, written into {@code a} when {@code inPlace}; {@code a} must be a fresh
   * intermediate.
   */
  protected static NDArray mul(NDArray a, NDArray b, boolean inPlace) {
    return inPlace ? a.muli(b) : a.mul(b);
  }

  /**
   * {@code x} as {@code type} ({@code x} itself if it already is). DJL's {@code toType} runs
   * without autograd, so when a gradient may be taken ({@code differentiable}) the cast goes
   * through a cumulative product over a new unit axis with an output type: the identity, which
   * PyTorch differentiates.
   */
  protected static NDArray cast(NDArray x, DataType type, boolean differentiable) {
    if (x.getDataType() == type) return x;
    if (!differentiable) return x.toType(type, false);
    int axis = x.getShape().dimension();
    return x.expandDims(axis).cumProd(axis, type).squeeze(axis);
  }

  /** The LM head weight {@code (vocab, hidden)}: logits = h W^T. */
  protected abstract NDArray head();

  /**
   * The frozen input embedding table {@code (vocab, hidden)}, owned by the model. Read it (e.g. to
   * initialise a trainable copy with {@code duplicate()} into your own manager); never modify it.
   */
  public abstract NDArray inputEmbeddings();

  @Override
  public ModelConfig config() {
    return config;
  }

  @Override
  public List<TargetScore> score(List<ScoreRequest> requests, int batchTokens) {
    checkBudget(batchTokens);
    TargetScore[] out = new TargetScore[requests.size()];
    backoff.run(
        requests,
        batchTokens,
        batch -> {
          List<ScoreRequest> part = select(requests, batch);
          try (NDManager m = newManager()) {
            float[] lp = targetLogprobs(m, part, softVectors(m, part), false).toFloatArray();
            split(part, lp, batch, out);
          }
        });
    return Arrays.asList(out);
  }

  @Override
  public List<SoftGradient> scoreWithGradient(List<ScoreRequest> requests, int batchTokens) {
    checkBudget(batchTokens);
    SoftGradient[] out = new SoftGradient[requests.size()];
    for (int[] batch : Batching.plan(requests, batchTokens)) {
      List<ScoreRequest> part = select(requests, batch);
      GRADIENT_LOCK.lock();
      try (NDManager m = newManager()) {
        NDArray soft = softVectors(m, part);
        if (soft != null) soft.setRequiresGradient(true);
        NDArray lp;
        float[] grad = null;
        try (GradientCollector gc =
            Engine.getEngine(m.getEngine().getEngineName()).newGradientCollector()) {
          lp = targetLogprobs(m, part, soft);
          if (soft != null) {
            // loss = sum over requests of that request's mean NLL, so each request's slice of the
            // gradient is the gradient of its own mean NLL (the requests do not interact).
            NDArray loss = lp.mul(m.create(perTokenWeights(part))).sum().neg();
            gc.backward(loss);
            grad = soft.getGradient().toFloatArray();
          }
        }
        float[] logprobs = lp.toFloatArray();
        TargetScore[] scores = new TargetScore[part.size()];
        split(part, logprobs, indices(part.size()), scores);
        int g = 0;
        for (int i = 0; i < part.size(); i++) {
          List<float[]> grads = new ArrayList<>();
          for (SoftSegment s : part.get(i).softSegments()) {
            grads.add(Arrays.copyOfRange(grad, g, g + s.vectors().length));
            g += s.vectors().length;
          }
          out[batch[i]] = new SoftGradient(scores[i], grads);
        }
      } finally {
        GRADIENT_LOCK.unlock();
      }
    }
    return Arrays.asList(out);
  }

  /**
   * Differentiable forward: the target-token log-probabilities of {@code requests}, concatenated in
   * request order, {@code (sum of target lengths)}, F32. {@code softRows (total soft vectors,
   * hidden)}, F32, fills the requests' soft segments in order (their float vectors are ignored);
   * {@code null} if there are none. Only the per-call {@code manager} owns the results; run it
   * inside a GradientCollector to get gradients with respect to {@code softRows}.
   */
  public NDArray targetLogprobs(NDManager manager, List<ScoreRequest> requests, NDArray softRows) {
    return targetLogprobs(manager, requests, softRows, true);
  }

  /**
   * As {@link #targetLogprobs(NDManager, List, NDArray)}; {@code differentiable = false} promises
   * that no gradient will be taken, which lets the forward pass work in place (faster).
   */
  public NDArray targetLogprobs(
      NDManager manager, List<ScoreRequest> requests, NDArray softRows, boolean differentiable) {
    validate(requests);
    Batching.Layout layout = Batching.layout(requests);
    int b = requests.size();
    int t = layout.tokens();
    int d = config.hiddenSize();
    DataType type = computeType();

    // Embed token ids; soft slots and padding hold id 0 and are overwritten / never read.
    NDArray ids = manager.create(layout.ids(), new Shape(b, t));
    NDArray x = embedTokens(ids); // (b, t, d)

    // Splice soft rows: keep token rows where there is a token, add soft row r where slot = r + 1.
    if (layout.softCount() > 0) {
      if (softRows == null || softRows.getShape().get(0) != layout.softCount()) {
        throw new IllegalArgumentException(
            "requests need "
                + layout.softCount()
                + " soft vectors, got "
                + (softRows == null ? "none" : softRows.getShape()));
      }
      // soft vectors stay F32 (trainable upstream); cast here, so gradients flow back as F32
      NDArray keep = manager.create(layout.tokenMask(), new Shape(b, t, 1)).toType(type, false);
      NDArray table =
          NDArrays.concat(
              new NDList(
                  manager.zeros(new Shape(1, d), type), cast(softRows, type, differentiable)),
              0);
      NDArray slots = manager.create(layout.softSlots(), new Shape(b * t));
      NDArray placed = Embedding.embedding(slots, table, SparseFormat.DENSE).singletonOrThrow();
      x = x.mul(keep).add(placed.reshape(b, t, d));
    }

    NDArray h = body(x, !differentiable).reshape(b * t, d); // (b*t, d)

    // Only rows that predict a target token meet the LM head: (n, d) -> (n, vocab).
    NDArray rows = manager.create(layout.predictRows());
    NDArray hs = Embedding.embedding(rows, h, SparseFormat.DENSE).singletonOrThrow();
    NDArray logits = Linear.linear(hs, head()).singletonOrThrow();
    // F32 whatever the weights
    NDArray logp = cast(logits, DataType.FLOAT32, differentiable).logSoftmax(1);
    NDArray targets = manager.create(layout.targetIds(), new Shape(layout.targetIds().length, 1));
    return logp.gather(targets, 1).reshape(-1);
  }

  /**
   * The straightforward scorer, as the UPR reference code does it: fixed-size batches in input
   * order, padded to the longest, logits over the whole vocabulary at every position, then the
   * target tokens picked out. Same numbers as {@link #score}, much slower; the baseline of {@code
   * qpeft bench} and of the optimized-vs-naive tests. Soft segments are not supported.
   */
  public List<TargetScore> scoreFullVocabulary(List<ScoreRequest> requests, int batchSize) {
    if (batchSize <= 0)
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    TargetScore[] out = new TargetScore[requests.size()];
    for (int start = 0; start < requests.size(); start += batchSize) {
      int[] idx = indices(Math.min(batchSize, requests.size() - start));
      for (int i = 0; i < idx.length; i++) idx[i] += start;
      List<ScoreRequest> part = select(requests, idx);
      if (part.stream().anyMatch(r -> r.softLength() > 0)) {
        throw new IllegalArgumentException(
            "the full-vocabulary reference scorer takes no soft segments");
      }
      validate(part);
      Batching.Layout layout = Batching.layout(part);
      try (NDManager m = newManager()) {
        int b = part.size();
        int t = layout.tokens();
        NDArray h = body(embedTokens(m.create(layout.ids(), new Shape(b, t))), true);
        NDArray logp =
            Linear.linear(h, head())
                .singletonOrThrow()
                .toType(DataType.FLOAT32, false)
                .logSoftmax(2); // (b, t, vocab)
        NDArray flat = logp.reshape(b * t, config.vocabSize());
        NDArray rows =
            Embedding.embedding(m.create(layout.predictRows()), flat, SparseFormat.DENSE)
                .singletonOrThrow();
        NDArray targets = m.create(layout.targetIds(), new Shape(layout.targetIds().length, 1));
        split(part, rows.gather(targets, 1).reshape(-1).toFloatArray(), idx, out);
      }
    }
    return Arrays.asList(out);
  }

  private static void checkBudget(int batchTokens) {
    if (batchTokens <= 0)
      throw new IllegalArgumentException("batch tokens must be positive, got " + batchTokens);
  }

  private void validate(List<ScoreRequest> requests) {
    for (ScoreRequest r : requests) {
      checkIds(r.promptIds(), "prompt");
      checkIds(r.targetIds(), "target");
      for (SoftSegment s : r.softSegments()) {
        if (s.hiddenSize() != config.hiddenSize()) {
          throw new IllegalArgumentException(
              "soft vectors have size "
                  + s.hiddenSize()
                  + " but the model's hidden_size is "
                  + config.hiddenSize());
        }
      }
      if (config.isGpt2() && r.length() - 1 > config.maxPositionEmbeddings()) {
        throw new IllegalArgumentException(
            "sequence of "
                + r.length()
                + " tokens exceeds the model's "
                + config.maxPositionEmbeddings()
                + " positions (n_positions)");
      }
    }
  }

  private void checkIds(int[] ids, String what) {
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException(
            what
                + " token id "
                + id
                + " is outside the vocabulary [0, "
                + config.vocabSize()
                + ")");
      }
    }
  }

  /**
   * All soft vectors of {@code requests} in order, {@code (n, hidden)}, or null if there are none.
   */
  private NDArray softVectors(NDManager m, List<ScoreRequest> requests) {
    int rows = requests.stream().mapToInt(ScoreRequest::softLength).sum();
    if (rows == 0) return null;
    float[] all = new float[rows * config.hiddenSize()];
    int at = 0;
    for (ScoreRequest r : requests) {
      for (SoftSegment s : r.softSegments()) {
        System.arraycopy(s.vectors(), 0, all, at, s.vectors().length);
        at += s.vectors().length;
      }
    }
    return m.create(all, new Shape(rows, config.hiddenSize()));
  }

  /** 1/n for each of a request's n target tokens. */
  private static float[] perTokenWeights(List<ScoreRequest> requests) {
    int n = requests.stream().mapToInt(r -> r.targetIds().length).sum();
    float[] w = new float[n];
    int at = 0;
    for (ScoreRequest r : requests) {
      int len = r.targetIds().length;
      Arrays.fill(w, at, at + len, 1f / len);
      at += len;
    }
    return w;
  }

  private static List<ScoreRequest> select(List<ScoreRequest> all, int[] idx) {
    List<ScoreRequest> out = new ArrayList<>(idx.length);
    for (int i : idx) out.add(all.get(i));
    return out;
  }

  private static int[] indices(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = i;
    return a;
  }

  private static void split(List<ScoreRequest> part, float[] lp, int[] where, TargetScore[] out) {
    int at = 0;
    for (int i = 0; i < part.size(); i++) {
      int[] y = part.get(i).targetIds();
      out[where[i]] = new TargetScore(y, Arrays.copyOfRange(lp, at, at + y.length));
      at += y.length;
    }
  }

  /**
   * A float scalar owned by {@code like}'s manager (DJL's Number overloads can break gradients).
   */
  protected static NDArray scalar(NDArray like, double value) {
    return like.getManager().create((float) value);
  }

  @Override
  public void close() {
    weights.close();
  }
}
