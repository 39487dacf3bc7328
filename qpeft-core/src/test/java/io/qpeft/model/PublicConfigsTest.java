package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The published configs of today's models (test resources {@code configs/}, see its README) are
 * read with Hugging Face's meaning, and a shrunk copy of each (one layer, hidden 64, the same head
 * layout, RoPE and windows) builds and scores with random weights.
 */
class PublicConfigsTest {
  @TempDir Path dir;

  private ModelConfig read(String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    try (InputStream in =
        PublicConfigsTest.class.getResourceAsStream("/configs/" + name + ".json")) {
      if (in == null) throw new IllegalStateException("no test resource configs/" + name + ".json");
      Files.copy(in, d.resolve("config.json"));
    }
    return HfConfig.read(d);
  }

  @Test
  void llama32() throws IOException {
    ModelConfig c = read("Llama-3.2-1B-Instruct");
    assertEquals("llama3", c.ropeScaling().type());
    assertEquals(32.0, c.ropeScaling().factor());
    assertEquals(8192, c.ropeScaling().originalMaxPositionEmbeddings());
    assertEquals(500000.0, c.ropeTheta());
    assertEquals(
        List.of(32, 8, 64), List.of(c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim()));
    assertTrue(c.tieWordEmbeddings());
    assertEquals(128001, c.eosTokenId()); // the first of the list
  }

  @Test
  void qwen3() throws IOException {
    ModelConfig c = read("Qwen3-0.6B");
    assertEquals(128, c.headDim()); // 16 heads x 128 = 2048, twice the hidden size
    assertEquals(0, c.slidingWindow());
    assertFalse(c.attentionBias());
  }

  @Test
  void gemma2() throws IOException {
    ModelConfig c = read("gemma-2-2b");
    assertEquals(1 / Math.sqrt(256), c.attentionScale());
    assertEquals(50.0, c.attnLogitSoftcapping());
    assertEquals(30.0, c.finalLogitSoftcapping());
    assertEquals(4096, c.attentionWindow(0));
    assertEquals(0, c.attentionWindow(1));
    assertTrue(c.tieWordEmbeddings()); // Gemma2Config's default
  }

  @Test
  void gemma() throws IOException {
    ModelConfig c = read("gemma-2b");
    assertEquals("gelu_pytorch_tanh", c.hiddenActivation()); // hidden_act "gelu" is ignored
    assertEquals(
        List.of(8, 1, 256), List.of(c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim()));
    assertTrue(c.tieWordEmbeddings());
  }

  @Test
  void phi3AndMistralWindowsCoverEveryLayer() throws IOException {
    ModelConfig phi = read("Phi-3-mini-4k-instruct");
    assertEquals(2047, phi.attentionWindow(0));
    assertEquals(2047, phi.attentionWindow(31));
    assertNull(phi.ropeScaling());
    ModelConfig mistral = read("Mistral-7B-v0.1");
    assertEquals(4096, mistral.attentionWindow(17));
  }

  @Test
  void phi4MiniLayout() throws IOException {
    ModelConfig c = read("Phi-4-mini-style");
    assertEquals(0.75, c.partialRotaryFactor());
    assertEquals("longrope", c.ropeScaling().type());
    assertEquals(4096, c.ropeScaling().originalMaxPositionEmbeddings());
    assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), c.ropeScaling().attentionFactor());
  }

  /** One layer, hidden 64, a 512-row vocabulary; heads, head_dim, RoPE and windows as published. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Llama-3.2-1B-Instruct",
        "Qwen3-0.6B",
        "gemma-2-2b",
        "gemma-2b",
        "Phi-3-mini-4k-instruct",
        "Phi-4-mini-style",
        "Mistral-7B-v0.1"
      })
  void shrunkCopyBuildsAndScores(String name) throws IOException {
    ModelConfig published = read(name);
    ModelConfig small =
        published.toBuilder()
            .setHiddenSize(64)
            .setIntermediateSize(96)
            .setNumHiddenLayers(1)
            .setVocabSize(512)
            .optLayerTypes(
                published.layerTypes().isEmpty() ? List.of() : published.layerTypes().subList(0, 1))
            .build();
    try (TransformerLm lm = Models.random(small, 7)) {
      int[] prompt = new int[40];
      Arrays.setAll(prompt, i -> 3 + i * 7 % 500);
      TargetScore s = lm.score(List.of(new ScoreRequest(prompt, new int[] {5, 6, 7}))).get(0);
      for (float lp : s.targetLogprobs())
        assertTrue(lp < 0 && Float.isFinite(lp), name + ": " + lp);
      float[] yesNo = lm.lastPositionLogits(List.of(prompt), new int[] {5, 6})[0];
      assertTrue(Float.isFinite(yesNo[0]) && Float.isFinite(yesNo[1]), name);
    }
  }
}
