package io.qpeft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a Hugging Face {@code config.json} into a {@link ModelConfig}. */
public final class HfConfig {
  /** {@code model_type} values we can run, and the family that runs them. */
  public static final List<String> SUPPORTED = List.of("llama", "mistral", "qwen2", "gpt2");

  private HfConfig() {}

  public static ModelConfig read(Path modelDir) {
    Path file = modelDir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "missing model config: " + file + " (is " + modelDir + " a Hugging Face model folder?)");
    }
    JsonNode c;
    try {
      c = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    String type = c.path("model_type").asText("");
    try {
      return switch (type) {
        case "llama", "mistral", "qwen2" -> llama(c, type);
        case "gpt2" -> gpt2(c);
        default ->
            throw new UnsupportedOperationException(
                "unsupported model_type '"
                    + type
                    + "' in "
                    + file
                    + " (architectures "
                    + c.path("architectures")
                    + "); supported: "
                    + SUPPORTED);
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  private static ModelConfig llama(JsonNode c, String type) {
    int hidden = required(c, "hidden_size");
    int heads = required(c, "num_attention_heads");
    int kvHeads = c.path("num_key_value_heads").asInt(heads);
    int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
    JsonNode scaling = c.get("rope_scaling");
    if (scaling != null && !scaling.isNull()) {
      String kind = scaling.path("rope_type").asText(scaling.path("type").asText("?"));
      if (!kind.equals("default")) {
        throw new UnsupportedOperationException(
            "rope_scaling of type '" + kind + "' is not supported; only unscaled RoPE is");
      }
    }
    String act = c.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new UnsupportedOperationException(
          "hidden_act '" + act + "' is not supported; only silu");
    }
    boolean qwen = type.equals("qwen2");
    boolean attnBias = qwen || c.path("attention_bias").asBoolean(false);
    return ModelConfig.builder()
        .setFamily(type)
        .setVocabSize(required(c, "vocab_size"))
        .setHiddenSize(hidden)
        .setNumHiddenLayers(required(c, "num_hidden_layers"))
        .setNumAttentionHeads(heads)
        .setIntermediateSize(required(c, "intermediate_size"))
        .optNumKeyValueHeads(kvHeads)
        .optHeadDim(headDim)
        .optMaxPositionEmbeddings(c.path("max_position_embeddings").asInt(4096))
        .optRopeTheta(c.path("rope_theta").asDouble(10000.0))
        .optNormEps(c.path("rms_norm_eps").asDouble(1e-6))
        .optTieWordEmbeddings(c.path("tie_word_embeddings").asBoolean(false))
        .optAttentionBias(attnBias)
        .optOutputBias(!qwen && c.path("attention_bias").asBoolean(false))
        .optMlpBias(c.path("mlp_bias").asBoolean(false))
        .optBosTokenId(tokenId(c, "bos_token_id"))
        .optEosTokenId(tokenId(c, "eos_token_id"))
        .build();
  }

  private static ModelConfig gpt2(JsonNode c) {
    int hidden = required(c, "n_embd");
    int heads = required(c, "n_head");
    String act = c.path("activation_function").asText("gelu_new");
    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
      throw new UnsupportedOperationException(
          "activation_function '"
              + act
              + "' is not supported; supported: gelu_new, gelu_pytorch_tanh");
    }
    if (c.path("scale_attn_by_inverse_layer_idx").asBoolean(false)
        || c.path("reorder_and_upcast_attn").asBoolean(false)) {
      throw new UnsupportedOperationException(
          "GPT-2 options scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported");
    }
    int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * hidden;
    return ModelConfig.builder()
        .setFamily("gpt2")
        .setVocabSize(required(c, "vocab_size"))
        .setHiddenSize(hidden)
        .setNumHiddenLayers(required(c, "n_layer"))
        .setNumAttentionHeads(heads)
        .setIntermediateSize(inner)
        .optMaxPositionEmbeddings(required(c, "n_positions"))
        .optRopeTheta(0)
        .optNormEps(c.path("layer_norm_epsilon").asDouble(1e-5))
        .optTieWordEmbeddings(true)
        .optAttentionBias(true)
        .optOutputBias(true)
        .optMlpBias(true)
        .optBosTokenId(tokenId(c, "bos_token_id"))
        .optEosTokenId(tokenId(c, "eos_token_id"))
        .build();
  }

  private static int required(JsonNode c, String field) {
    JsonNode n = c.get(field);
    if (n == null || !n.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
    }
    return n.asInt();
  }

  /** A token id field; some configs give a list (the first is used) or null (-1). */
  private static int tokenId(JsonNode c, String field) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) return -1;
    if (n.isArray()) return n.size() == 0 ? -1 : n.get(0).asInt();
    return n.asInt();
  }
}
