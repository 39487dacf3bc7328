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
import io.qpeft.model.blocks.AttentionMasks;
import io.qpeft.model.blocks.Ops;
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
 * <p>A family (one class per sub-package: {@code llama}, {@code qwen3}, {@code gemma}, {@code
 * gemma2}, {@code phi3}, {@code gpt2}) answers hooks rather than being asked what it is: its
 * embedding table and scale, positions added to the input, the layers (which attend through the
 * masks this class builds, sliding windows included), the head, the final-logit transform, and its
 * sequence-length limit. Every operation puts a per-call array first, so results belong to the
 * call's manager, never to the weights' manager.
 *
 * <p>The weights live on one device in one dtype (F32, or F16; see {@link EngineOptions}); whatever
 * it is, soft vectors arrive in F32 and are cast at the splice, and the logits rows are cast to F32
 * before the log-softmax, so log-probabilities, logits and gradients come out F32.
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

  /** The out-of-memory back-off of the batched calls (tests simulate failures through it). */
  MemoryBackoff backoff() {
    return backoff;
  }

  /**
   * The frozen input embedding table {@code (vocab, hidden)}, owned by the model. Read it (e.g. to
   * initialise a trainable copy with {@code duplicate()} into your own manager); never modify it.
   * The rows that enter the model for token ids are these times {@link #inputEmbeddingScale()}.
   */
  public abstract NDArray inputEmbeddings();

  /**
   * The factor the family multiplies token embedding rows by as they enter the model (Gemma: {@code
   * sqrt(hidden_size)}); 1 by default. Soft vectors are spliced in unscaled, as Hugging Face treats
   * {@code inputs_embeds}.
   */
  public float inputEmbeddingScale() {
    return 1f;
  }

  /**
   * The rows the model feeds for token {@code ids}, {@code (n, hidden)}, owned by {@code manager}:
   * table rows times {@link #inputEmbeddingScale()} (what {@code get_input_embeddings()(ids)} gives
   * in transformers v5), e.g. to initialise soft vectors from text.
   */
  public NDArray tokenEmbeddings(NDManager manager, int[] ids) {
    return embedTokens(manager.create(Arrays.stream(ids).asLongStream().toArray()));
  }

  /** Token embeddings of {@code ids (batch, tokens)} -> {@code (batch, tokens, hidden)}. */
  protected NDArray embedTokens(NDArray ids) {
    NDArray x = Embedding.embedding(ids, inputEmbeddings(), SparseFormat.DENSE).singletonOrThrow();
    float scale = inputEmbeddingScale();
    return scale == 1f ? x : x.muli(ids.getManager().create(scale)); // x is fresh: in place
  }

  /**
   * Adds position information to the embedded sequence {@code (b, t, hidden)}, soft rows included
   * (GPT-2's learned positions); identity by default, as rotary families rotate inside attention.
   * {@code x} may be the caller's array: never modify it.
   */
  protected NDArray addPositions(NDArray x) {
    return x;
  }

  /**
   * The transformer from (position-embedded) input embeddings to the final normalised hidden state,
   * same shape. Layer {@code i} attends through {@code masks.forLayer(i)}. With {@code inPlace} (no
   * gradient wanted) element-wise steps overwrite fresh intermediates instead of allocating new
   * ones ({@link io.qpeft.model.blocks.Ops}); never {@code x} itself, which may be the caller's.
   */
  protected abstract NDArray body(NDArray x, AttentionMasks masks, boolean inPlace);

  /** The LM head weight {@code (vocab, hidden)}: logits = h W^T. */
  protected abstract NDArray head();

  /**
   * The family's transform of the head's output logits, element-wise, before any softmax (Gemma 2
   * soft-caps them); identity by default. With {@code inPlace} it may overwrite {@code logits}.
   */
  protected NDArray finalLogits(NDArray logits, boolean inPlace) {
    return logits;
  }

  /**
   * The most input positions one sequence may use (GPT-2: {@code n_positions}); unlimited by
   * default. Longer requests are refused with {@link #sequenceLimitSource()} in the message.
   */
  @Override
  public int maxSequenceLength() {
    return Integer.MAX_VALUE;
  }

  /** What sets {@link #maxSequenceLength()}, for error messages (e.g. {@code n_positions}). */
  protected String sequenceLimitSource() {
    return "";
  }

  /**
   * Parameters of the matrices every token meets, for FLOP estimates (~2 FLOPs per parameter per
   * token): attention, a gated MLP (three matrices), and the head. Families with another MLP
   * override it.
   */
  public long parameterCount() {
    long d = config.hiddenSize();
    long attn =
        d * ((long) config.numAttentionHeads() * config.headDim()) * 2
            + d * ((long) config.numKeyValueHeads() * config.headDim()) * 2;
    long mlp = 3L * d * config.intermediateSize();
    return config.numHiddenLayers() * (attn + mlp) + (long) config.vocabSize() * d;
  }

  /**
   * The whole transformer on embedded inputs {@code (b, t, hidden)}: positions, then the layers
   * with this pass's attention masks.
   */
  private NDArray forward(NDArray x, boolean inPlace) {
    NDArray withPositions = addPositions(x);
    int t = (int) x.getShape().get(1);
    return body(
        withPositions, new AttentionMasks(x.getManager(), t, config, x.getDataType()), inPlace);
  }

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
    NDArray h =
        hiddenStates(manager, layout, requests.size(), softRows, !differentiable); // (b*t, d)

    // Only rows that predict a target token meet the LM head: (n, d) -> (n, vocab).
    NDArray rows = manager.create(layout.predictRows());
    NDArray hs = Embedding.embedding(rows, h, SparseFormat.DENSE).singletonOrThrow();
    NDArray logits = Linear.linear(hs, head()).singletonOrThrow(); // weights' dtype
    logits = Ops.cast(logits, DataType.FLOAT32, differentiable); // F32 whatever the weights
    NDArray logp = finalLogits(logits, !differentiable).logSoftmax(1);
    NDArray targets = manager.create(layout.targetIds(), new Shape(layout.targetIds().length, 1));
    return logp.gather(targets, 1).reshape(-1);
  }

  /**
   * The final hidden states {@code (batch * tokens, hidden)} of a laid-out batch: token ids
   * embedded, soft rows spliced in, the transformer run ({@code inPlace} when no gradient is
   * wanted).
   */
  private NDArray hiddenStates(
      NDManager manager, Batching.Layout layout, int b, NDArray softRows, boolean inPlace) {
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
      // soft vectors stay F32 (trainable upstream): cast here, so gradients flow back as F32
      NDArray keep = manager.create(layout.tokenMask(), new Shape(b, t, 1)).toType(type, false);
      NDArray soft = Ops.cast(softRows, type, !inPlace);
      NDArray table = NDArrays.concat(new NDList(manager.zeros(new Shape(1, d), type), soft), 0);
      NDArray slots = manager.create(layout.softSlots(), new Shape(b * t));
      NDArray placed = Embedding.embedding(slots, table, SparseFormat.DENSE).singletonOrThrow();
      x = x.mul(keep).add(placed.reshape(b, t, d));
    }
    return forward(x, inPlace).reshape((long) b * t, d);
  }

  @Override
  public float[][] lastPositionLogits(List<int[]> promptIds, int[] tokenIds, int batchTokens) {
    checkBudget(batchTokens);
    List<ScoreRequest> requests = lastPositionRequests(promptIds, tokenIds);
    float[][] out = new float[requests.size()][];
    long[] rows = Arrays.stream(tokenIds).asLongStream().toArray();
    backoff.run(
        requests,
        batchTokens,
        batch -> {
          List<ScoreRequest> part = select(requests, batch);
          validate(part);
          Batching.Layout layout = Batching.layout(part);
          try (NDManager m = newManager()) {
            NDArray h = hiddenStates(m, layout, part.size(), null, true); // (b*t, d)
            // The last prompt position of each request predicts its (dummy) single target.
            NDArray last =
                Embedding.embedding(m.create(layout.predictRows()), h, SparseFormat.DENSE)
                    .singletonOrThrow(); // (b, d)
            NDArray answerRows =
                Embedding.embedding(m.create(rows), head(), SparseFormat.DENSE)
                    .singletonOrThrow(); // (k, d)
            NDArray raw = Linear.linear(last, answerRows).singletonOrThrow(); // weights' dtype
            float[] logits =
                finalLogits(raw.toType(DataType.FLOAT32, false), true).toFloatArray(); // (b, k)
            for (int i = 0; i < batch.length; i++) {
              out[batch[i]] = Arrays.copyOfRange(logits, i * rows.length, (i + 1) * rows.length);
            }
          }
        });
    return out;
  }

  /**
   * The straightforward way to {@link #lastPositionLogits}: fixed-size batches in input order,
   * logits over the whole vocabulary at every position, then the last position's {@code tokenIds}
   * picked out. Same numbers, much slower; the reference of tests and benchmarks.
   */
  public float[][] lastPositionLogitsFullVocabulary(
      List<int[]> promptIds, int[] tokenIds, int batchSize) {
    if (batchSize <= 0)
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    List<ScoreRequest> requests = lastPositionRequests(promptIds, tokenIds);
    float[][] out = new float[requests.size()][];
    long[] columns = Arrays.stream(tokenIds).asLongStream().toArray();
    for (int start = 0; start < requests.size(); start += batchSize) {
      int[] idx = indices(Math.min(batchSize, requests.size() - start));
      for (int i = 0; i < idx.length; i++) idx[i] += start;
      List<ScoreRequest> part = select(requests, idx);
      validate(part);
      Batching.Layout layout = Batching.layout(part);
      try (NDManager m = newManager()) {
        int b = part.size();
        int t = layout.tokens();
        NDArray h = forward(embedTokens(m.create(layout.ids(), new Shape(b, t))), true);
        NDArray raw = Linear.linear(h, head()).singletonOrThrow().toType(DataType.FLOAT32, false);
        NDArray logits = finalLogits(raw, true);
        NDArray flat = logits.reshape((long) b * t, config.vocabSize()); // (b*t, vocab)
        NDArray last =
            Embedding.embedding(m.create(layout.predictRows()), flat, SparseFormat.DENSE)
                .singletonOrThrow(); // (b, vocab)
        float[] all = last.toFloatArray();
        for (int i = 0; i < b; i++) {
          float[] row = new float[columns.length];
          for (int j = 0; j < columns.length; j++) {
            row[j] = all[i * config.vocabSize() + (int) columns[j]];
          }
          out[idx[i]] = row;
        }
      }
    }
    return out;
  }

  /**
   * One request per prompt whose single (dummy) target is predicted from the prompt's last
   * position, so that {@link Batching} lays prompts out exactly as it lays out scoring requests.
   */
  private List<ScoreRequest> lastPositionRequests(List<int[]> promptIds, int[] tokenIds) {
    if (tokenIds.length == 0) {
      throw new IllegalArgumentException("give at least one vocabulary row (token id) to read");
    }
    checkIds(tokenIds, "answer");
    List<ScoreRequest> requests = new ArrayList<>(promptIds.size());
    for (int i = 0; i < promptIds.size(); i++) {
      int[] prompt = promptIds.get(i);
      if (prompt == null || prompt.length == 0) {
        throw new IllegalArgumentException("prompt " + i + " has no tokens");
      }
      requests.add(new ScoreRequest(prompt, new int[] {0}));
    }
    return requests;
  }

  /**
   * The straightforward scorer, as the UPR reference code does it: fixed-size batches in input
   * order, padded to the longest, logits over the whole vocabulary at every position, then the
   * target tokens picked out. Same numbers as {@link #score}, much slower; the baseline of {@code
   * qpeft-bench bench} and of the optimized-vs-naive tests. Soft segments are not supported.
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
        NDArray h = forward(embedTokens(m.create(layout.ids(), new Shape(b, t))), true);
        NDArray raw = Linear.linear(h, head()).singletonOrThrow().toType(DataType.FLOAT32, false);
        NDArray logp = finalLogits(raw, true).logSoftmax(2); // (b, t, vocab)
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
      if (r.length() - 1 > maxSequenceLength()) {
        throw new IllegalArgumentException(
            "sequence of "
                + r.length()
                + " tokens exceeds the model's "
                + maxSequenceLength()
                + " positions ("
                + sequenceLimitSource()
                + ")");
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

  @Override
  public void close() {
    weights.close();
  }
}
