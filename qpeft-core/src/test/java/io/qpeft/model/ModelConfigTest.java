package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import org.junit.jupiter.api.Test;

/** The builder's defaults, its validation, and the Hugging Face config reader on the fixtures. */
class ModelConfigTest {

  private static ModelConfig.Builder minimal() {
    return ModelConfig.builder()
        .setFamily("llama")
        .setVocabSize(100)
        .setHiddenSize(64)
        .setNumHiddenLayers(2)
        .setNumAttentionHeads(4)
        .setIntermediateSize(128);
  }

  @Test
  void defaultsFollowHuggingFace() {
    ModelConfig c = minimal().build();
    assertEquals(4, c.numKeyValueHeads());
    assertEquals(16, c.headDim());
    assertEquals(10000.0, c.ropeTheta());
    assertEquals(-1, c.bosTokenId());
    ModelConfig gqa = minimal().optNumKeyValueHeads(2).optHeadDim(24).build();
    assertEquals(2, gqa.numKeyValueHeads());
    assertEquals(24, gqa.headDim());
    assertEquals(24, gqa.toBuilder().build().headDim());
  }

  @Test
  void badValuesNameTheField() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> minimal().optNumKeyValueHeads(3).build());
    assertTrue(e.getMessage().contains("num_key_value_heads (3)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> minimal().setVocabSize(0).build());
    assertTrue(e.getMessage().contains("vocab_size"), e.getMessage());
  }

  @Test
  void readsTheFixtureConfigs() {
    ModelConfig llama = HfConfig.read(Fixtures.model("tiny-llama"));
    assertEquals("llama", llama.family());
    assertEquals(2, llama.numKeyValueHeads());
    assertEquals(16, llama.headDim());
    ModelConfig gpt2 = HfConfig.read(Fixtures.model("tiny-gpt2"));
    assertEquals(256, gpt2.maxPositionEmbeddings());
    assertTrue(gpt2.tieWordEmbeddings() && gpt2.attentionBias() && gpt2.mlpBias());
  }
}
