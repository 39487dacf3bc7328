package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The derived token budget follows the formula in {@link MemoryBudget}'s documentation. */
class MemoryBudgetTest {

  /** Llama-2-7B's config.json fields that matter here. */
  private static ModelConfig llama7b(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("config.json"),
        "{\"model_type\":\"llama\",\"vocab_size\":32000,\"hidden_size\":4096,"
            + "\"num_hidden_layers\":32,\"num_attention_heads\":32,\"num_key_value_heads\":32,"
            + "\"intermediate_size\":11008,\"max_position_embeddings\":4096,"
            + "\"rms_norm_eps\":1e-5,\"bos_token_id\":1,\"eos_token_id\":2}");
    return HfConfig.read(dir);
  }

  @Test
  void bytesPerTokenByHand(@TempDir Path dir) throws IOException {
    ModelConfig c = llama7b(dir);
    // e (6d + 4q + 4kv + 4I + 2 heads 512) + vocab (e + 8) / 4, d = q = kv = 4096, I = 11008
    long layer = 6 * 4096 + 4 * 4096 + 4 * 4096 + 4 * 11008 + 2 * 32 * 512;
    assertEquals(2 * layer + 32000L * 10 / 4, MemoryBudget.bytesPerToken(c, DType.F16));
    assertEquals(4 * layer + 32000L * 12 / 4, MemoryBudget.bytesPerToken(c, DType.F32));
  }

  @Test
  void budgetScalesWithFreeMemoryWithinBounds(@TempDir Path dir) throws IOException {
    ModelConfig c = llama7b(dir);
    long perToken = MemoryBudget.bytesPerToken(c, DType.F16); // ~348 KiB
    long free = 8L << 30; // 8 GiB free: half of it / per-token bytes, down to a multiple of 256
    int expected = (int) (free / 2 / perToken / 256 * 256);
    assertEquals(expected, MemoryBudget.tokens(c, DType.F16, free));
    assertEquals(MemoryBudget.MIN_TOKENS, MemoryBudget.tokens(c, DType.F16, 1L << 20));
    assertEquals(MemoryBudget.MAX_TOKENS, MemoryBudget.tokens(c, DType.F16, 1L << 42));
    // the CPU keeps the budget measured there, whatever memory it has
    assertEquals(2048, MemoryBudget.tokens(c, Placement.cpu()));
  }
}
