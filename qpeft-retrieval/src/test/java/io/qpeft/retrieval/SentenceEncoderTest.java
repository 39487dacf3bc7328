package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentenceEncoderTest {
  static SentenceEncoder encoder;

  @BeforeAll
  static void load() {
    encoder = SentenceEncoder.builtin();
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
    return s;
  }

  @Test
  void embeddingsHaveUnitNorm() {
    assertEquals(384, encoder.dimensions());
    float[] v = encoder.encode("The quick brown fox jumps over the lazy dog.");
    assertEquals(384, v.length);
    assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-5);
  }

  @Test
  void similarSentencesScoreHigher() {
    String q = SentenceEncoder.BGE_QUERY_PREFIX + "what is the capital of France?";
    float[][] v =
        encoder.encode(
            List.of(
                q,
                "Paris is the capital and largest city of France.",
                "Photosynthesis converts light energy into chemical energy in plants."));
    double related = dot(v[0], v[1]);
    double unrelated = dot(v[0], v[2]);
    assertTrue(related > unrelated + 0.1, related + " vs " + unrelated);
  }

  @Test
  void batchedEqualsOneByOne() {
    List<String> texts =
        List.of("short", "a somewhat longer sentence about retrieval", "mid length text");
    float[][] batched = encoder.encode(texts);
    // the int8 model quantises activations dynamically, with one scale per tensor: the batch
    // (padding included) changes the scale, so batched vectors are close, not bit-identical
    for (int i = 0; i < texts.size(); i++) {
      double cos = dot(encoder.encode(texts.get(i)), batched[i]);
      assertTrue(cos > 0.99, texts.get(i) + ": cosine " + cos);
    }
    // a batch of equal texts has no padding: identical rows give identical vectors
    float[][] same = encoder.encode(List.of("mid length text", "mid length text"));
    assertArrayEquals(same[0], same[1], 1e-6f);
  }

  @Test
  void longTextIsTruncatedNotRejected() {
    float[] v = encoder.encode("word ".repeat(3000));
    assertEquals(1.0, Math.sqrt(dot(v, v)), 1e-5);
  }

  @Test
  void missingFolderFilesAreNamed(@TempDir Path dir) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SentenceEncoder.open(dir));
    assertTrue(e.getMessage().contains("model.onnx"), e.getMessage());
  }

  @Test
  void normaliseKeepsZero() {
    float[] z = new float[3];
    SentenceEncoder.normalise(z);
    assertArrayEquals(new float[3], z);
    float[] v = {3, 4};
    SentenceEncoder.normalise(v);
    assertArrayEquals(new float[] {0.6f, 0.8f}, v, 1e-7f);
  }
}
