package io.qpeft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.model.blocks.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelConfig}, with each {@code
 * model_type}'s defaults as its {@code transformers} configuration class has them (e.g. Qwen3's
 * head_dim 128, Gemma 2's tied head and soft-capping values), so a config that omits a field means
 * what it means to Hugging Face.
 */
public final class HfConfig {
  /** {@code model_type} values we can run. */
  public static final List<String> SUPPORTED =
      List.of("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "gpt2");

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
    if (c == null || !c.isObject()) {
      throw new IllegalArgumentException(file + ": expected a JSON object");
    }
    String type = c.path("model_type").asText("");
    try {
      return switch (type) {
        case "llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3" -> decoder(c, type);
        case "gpt2" -> gpt2(c);
        default ->
            throw new UnsupportedOperationException(
                "unsupported model_type '"
                    + type
                    + "' (architectures "
                    + c.path("architectures")
                    + "); supported: "
                    + SUPPORTED);
      };
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    } catch (UnsupportedOperationException e) {
      throw new UnsupportedOperationException(file + ": " + e.getMessage(), e);
    }
  }

  /** The RMSNorm rotary decoders: Llama, Mistral, Qwen2, Qwen3, Gemma, Gemma 2, Phi-3. */
  private static ModelConfig decoder(JsonNode c, String type) {
    int hidden = required(c, "hidden_size");
    int heads = required(c, "num_attention_heads");
    int layers = required(c, "num_hidden_layers");
    int defaultHeadDim =
        switch (type) {
          case "qwen3" -> 128;
          case "gemma", "gemma2" -> 256;
          default -> hidden / heads;
        };
    boolean gemma = type.equals("gemma") || type.equals("gemma2");
    // Gemma's MLP reads hidden_activation only (hidden_act is ignored; absent: the tanh GELU).
    String activation =
        gemma ? text(c, "hidden_activation", "gelu_pytorch_tanh") : text(c, "hidden_act", "silu");
    Activation.fromName(activation, gemma ? "hidden_activation" : "hidden_act"); // refuse early

    // Biases as each attention class creates them.
    boolean attentionBias = bool(c, "attention_bias", false);
    boolean qkvBias =
        switch (type) {
          case "qwen2" -> true;
          case "llama", "qwen3", "gemma", "gemma2" -> attentionBias;
          default -> false; // mistral, phi3
        };
    boolean outputBias =
        switch (type) {
          case "llama", "qwen3", "gemma", "gemma2" -> attentionBias;
          default -> false;
        };

    // RoPE: rope_theta and rope_scaling, or (newer transformers) both under rope_parameters.
    JsonNode rope = nonNull(c, "rope_parameters");
    String ropeField = "rope_parameters";
    if (rope == null) {
      rope = nonNull(c, "rope_scaling");
      ropeField = "rope_scaling";
    }
    double theta =
        c.hasNonNull("rope_theta")
            ? c.get("rope_theta").asDouble()
            : rope != null && rope.hasNonNull("rope_theta")
                ? rope.get("rope_theta").asDouble()
                : 10000.0;
    int maxPositions = integer(c, "max_position_embeddings", gemma ? 8192 : 4096);

    ModelConfig.Builder b =
        ModelConfig.builder()
            .setFamily(type)
            .setVocabSize(required(c, "vocab_size"))
            .setHiddenSize(hidden)
            .setNumHiddenLayers(layers)
            .setNumAttentionHeads(heads)
            .setIntermediateSize(required(c, "intermediate_size"))
            .optNumKeyValueHeads(integer(c, "num_key_value_heads", heads))
            .optHeadDim(integer(c, "head_dim", defaultHeadDim))
            .optMaxPositionEmbeddings(maxPositions)
            .optRopeTheta(theta)
            .optRopeScaling(ropeScaling(rope, ropeField, c, maxPositions))
            .optNormEps(number(c, "rms_norm_eps", 1e-6))
            .optTieWordEmbeddings(bool(c, "tie_word_embeddings", gemma))
            .optAttentionBias(qkvBias)
            .optOutputBias(outputBias)
            .optMlpBias(type.equals("llama") && bool(c, "mlp_bias", false))
            .optHiddenActivation(activation)
            .optBosTokenId(tokenId(c, "bos_token_id"))
            .optEosTokenId(tokenId(c, "eos_token_id"));
    if (type.equals("phi3")) {
      b.optPartialRotaryFactor(number(c, "partial_rotary_factor", 1.0));
    }
    slidingWindow(b, c, type, layers);
    if (type.equals("gemma2")) {
      // Gemma2Config's defaults apply when a field is absent; an explicit null turns it off.
      b.optQueryPreAttnScalar(number(c, "query_pre_attn_scalar", 256))
          .optAttnLogitSoftcapping(number(c, "attn_logit_softcapping", 50.0))
          .optFinalLogitSoftcapping(number(c, "final_logit_softcapping", 30.0));
    }
    return b.build();
  }

  /**
   * Which layers attend through {@code sliding_window}, as each Hugging Face model applies it:
   * Mistral and Phi-3 on every layer, Gemma 2 on layers 0, 2, 4, ... (or as {@code layer_types}
   * says), Llama and Gemma never; Qwen only with {@code use_sliding_window}, which we refuse.
   */
  private static void slidingWindow(ModelConfig.Builder b, JsonNode c, String type, int layers) {
    int window = integer(c, "sliding_window", 0);
    switch (type) {
      case "llama", "gemma" -> window = 0; // their Hugging Face models have no sliding window
      case "qwen2", "qwen3" -> {
        if (bool(c, "use_sliding_window", false)) {
          throw new UnsupportedOperationException(
              "use_sliding_window: true is not supported for "
                  + type
                  + " (only full attention on every layer)");
        }
        window = 0;
      }
      default -> {}
    }
    if (window <= 0) return;
    b.optSlidingWindow(window);
    List<String> types = new ArrayList<>();
    JsonNode listed = nonNull(c, "layer_types");
    if (listed != null) {
      for (JsonNode t : listed) types.add(t.asText());
    } else if (type.equals("gemma2")) {
      for (int i = 0; i < layers; i++) {
        types.add(i % 2 == 0 ? ModelConfig.SLIDING_ATTENTION : ModelConfig.FULL_ATTENTION);
      }
    }
    b.optLayerTypes(types);
  }

  /**
   * The scaled-RoPE block, or null for plain RoPE; any other {@code rope_type} is refused, listing
   * those we compute exactly.
   */
  private static RopeScaling ropeScaling(
      JsonNode rope, String field, JsonNode config, int maxPositions) {
    if (rope == null) return null;
    if (!rope.has("rope_type") && !rope.has("type") && rope.isObject() && rope.size() > 0) {
      if (!rope.has("rope_theta")) {
        throw new UnsupportedOperationException(
            field
                + " without a rope_type (per-layer-type RoPE) is not supported; supported rope types: "
                + RopeScaling.SUPPORTED);
      }
    }
    String kind = text(rope, "rope_type", text(rope, "type", "default"));
    return switch (kind) {
      case "default" -> null;
      case "llama3" ->
          RopeScaling.llama3(
              requiredNumber(rope, field, "factor"),
              requiredNumber(rope, field, "low_freq_factor"),
              requiredNumber(rope, field, "high_freq_factor"),
              (int) requiredNumber(rope, field, "original_max_position_embeddings"));
      case "longrope" -> {
        int original =
            integer(
                rope,
                "original_max_position_embeddings",
                integer(config, "original_max_position_embeddings", maxPositions));
        JsonNode shortNode = rope.get("short_factor");
        if (shortNode == null || !shortNode.isArray()) {
          throw new IllegalArgumentException(field + ".short_factor is missing or not a list");
        }
        double[] shortFactor = new double[shortNode.size()];
        for (int i = 0; i < shortFactor.length; i++) shortFactor[i] = shortNode.get(i).asDouble();
        double factor = number(rope, "factor", (double) maxPositions / original);
        double attention =
            number(
                rope,
                "attention_factor",
                factor <= 1 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
        yield RopeScaling.longrope(shortFactor, attention, original);
      }
      default ->
          throw new UnsupportedOperationException(
              field + " type '" + kind + "' is not supported; supported: " + RopeScaling.SUPPORTED);
    };
  }

  private static ModelConfig gpt2(JsonNode c) {
    int hidden = required(c, "n_embd");
    int heads = required(c, "n_head");
    String act = text(c, "activation_function", "gelu_new");
    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
      throw new UnsupportedOperationException(
          "activation_function '"
              + act
              + "' is not supported; supported: gelu_new, gelu_pytorch_tanh");
    }
    if (bool(c, "scale_attn_by_inverse_layer_idx", false)
        || bool(c, "reorder_and_upcast_attn", false)) {
      throw new UnsupportedOperationException(
          "GPT-2 options scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported");
    }
    int inner = integer(c, "n_inner", 4 * hidden);
    return ModelConfig.builder()
        .setFamily("gpt2")
        .setVocabSize(required(c, "vocab_size"))
        .setHiddenSize(hidden)
        .setNumHiddenLayers(required(c, "n_layer"))
        .setNumAttentionHeads(heads)
        .setIntermediateSize(inner)
        .optMaxPositionEmbeddings(required(c, "n_positions"))
        .optRopeTheta(0)
        .optNormEps(number(c, "layer_norm_epsilon", 1e-5))
        .optTieWordEmbeddings(true)
        .optAttentionBias(true)
        .optOutputBias(true)
        .optMlpBias(true)
        .optHiddenActivation(act)
        .optBosTokenId(tokenId(c, "bos_token_id"))
        .optEosTokenId(tokenId(c, "eos_token_id"))
        .build();
  }

  private static JsonNode nonNull(JsonNode c, String field) {
    JsonNode n = c.get(field);
    return n == null || n.isNull() ? null : n;
  }

  private static int required(JsonNode c, String field) {
    JsonNode n = c.get(field);
    if (n == null || !n.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + field + "' is missing or not an integer");
    }
    return n.asInt();
  }

  private static double requiredNumber(JsonNode c, String block, String field) {
    JsonNode n = c.get(field);
    if (n == null || !n.isNumber()) {
      throw new IllegalArgumentException(
          "field '" + block + "." + field + "' is missing or not a number");
    }
    return n.asDouble();
  }

  /** An integer field, {@code fallback} when absent or null. */
  private static int integer(JsonNode c, String field, int fallback) {
    JsonNode n = nonNull(c, field);
    if (n == null) return fallback;
    if (!n.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + field + "' must be an integer, got " + n);
    }
    return n.asInt();
  }

  /** A number field; {@code fallback} when absent, 0 when explicitly null ("off"). */
  private static double number(JsonNode c, String field, double fallback) {
    JsonNode n = c.get(field);
    if (n == null) return fallback;
    if (n.isNull()) return 0;
    if (!n.isNumber()) {
      throw new IllegalArgumentException("field '" + field + "' must be a number, got " + n);
    }
    return n.asDouble();
  }

  private static boolean bool(JsonNode c, String field, boolean fallback) {
    JsonNode n = nonNull(c, field);
    return n == null ? fallback : n.asBoolean(fallback);
  }

  private static String text(JsonNode c, String field, String fallback) {
    JsonNode n = nonNull(c, field);
    return n == null ? fallback : n.asText();
  }

  /** A token id field; some configs give a list (the first is used) or null (-1). */
  private static int tokenId(JsonNode c, String field) {
    JsonNode n = c.get(field);
    if (n == null || n.isNull()) return -1;
    if (n.isArray()) return n.size() == 0 ? -1 : n.get(0).asInt();
    return n.asInt();
  }
}
