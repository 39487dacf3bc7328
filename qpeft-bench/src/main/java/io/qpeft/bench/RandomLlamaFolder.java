package io.qpeft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.peft.Tensor;
import io.qpeft.peft.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Llama model folder with seeded random weights of a chosen size and the tokenizer of a
 * fixture model, for benchmarks that need a model on disk (a job that loads it in other processes)
 * with more arithmetic per token than the tiny fixtures have. Its scores mean nothing; its cost per
 * token is that of a real model of the same shape.
 */
final class RandomLlamaFolder {
  private RandomLlamaFolder() {}

  /**
   * Writes {@code dir}: config.json from {@code template}'s (sizes replaced), its tokenizer files,
   * and random F32 weights for {@code layers} layers of width {@code hidden} (head dim 64, MLP 2.75
   * x hidden as in Llama).
   */
  static Path write(Path dir, Path template, int hidden, int layers, long seed) throws IOException {
    if (hidden % 64 != 0) {
      throw new IllegalArgumentException("hidden size must be a multiple of 64, got " + hidden);
    }
    Files.createDirectories(dir);
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(template.resolve("config.json").toFile());
    int heads = hidden / 64;
    int intermediate = (int) Math.round(hidden * 2.75 / 16) * 16;
    int vocab = config.get("vocab_size").asInt();
    config.put("hidden_size", hidden);
    config.put("num_hidden_layers", layers);
    config.put("num_attention_heads", heads);
    config.put("num_key_value_heads", heads);
    config.put("head_dim", 64);
    config.put("intermediate_size", intermediate);
    Files.writeString(dir.resolve("config.json"), config.toPrettyString());
    for (String f :
        new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
      if (Files.exists(template.resolve(f))) {
        Files.copy(
            template.resolve(f), dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("model.embed_tokens.weight", random(rnd, 0.3, vocab, hidden));
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
        w.put(p + "self_attn." + proj + ".weight", random(rnd, 0.05, hidden, hidden));
      }
      w.put(p + "mlp.gate_proj.weight", random(rnd, 0.05, intermediate, hidden));
      w.put(p + "mlp.up_proj.weight", random(rnd, 0.05, intermediate, hidden));
      w.put(p + "mlp.down_proj.weight", random(rnd, 0.05, hidden, intermediate));
      w.put(p + "input_layernorm.weight", ones(hidden));
      w.put(p + "post_attention_layernorm.weight", ones(hidden));
    }
    w.put("model.norm.weight", ones(hidden));
    w.put("lm_head.weight", random(rnd, 0.05, vocab, hidden));
    TensorFile.write(dir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    return dir;
  }

  private static Tensor random(SplittableRandom rnd, double std, int rows, int cols) {
    float[] data = new float[rows * cols];
    for (int i = 0; i < data.length; i++)
      data[i] = (float) (std * (2 * rnd.nextDouble() - 1) * 1.7320508);
    return new Tensor(new int[] {rows, cols}, data);
  }

  private static Tensor ones(int n) {
    float[] data = new float[n];
    java.util.Arrays.fill(data, 1f);
    return new Tensor(new int[] {n}, data);
  }
}
