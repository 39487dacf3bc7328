package io.qpeft.peft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An adapter folder, like a PEFT adapter: {@code adapter_config.json} (variant, hyper-parameters,
 * prompt template, base-model identity) and {@code adapter_model.safetensors} (F32 tensors).
 */
public final class Adapter {
  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  public static final int FORMAT_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * What an adapter folder holds. {@code training} is the training configuration as written, or
   * empty.
   */
  public record Loaded(
      PeftConfig config, ParameterSet parameters, BaseModel baseModel, JsonNode training) {}

  private Adapter() {}

  /**
   * Writes the folder; each file atomically (weights first, so a config never points at missing
   * weights).
   */
  public static void save(
      Path dir, PeftConfig config, ParameterSet params, BaseModel base, JsonNode training) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", "qpeft-adapter");
    root.put("format_version", FORMAT_VERSION);
    root.put("variant", config.variant().id());
    ObjectNode h = root.putObject("hyper_parameters");
    h.put("top_k", config.topK());
    h.put("heads", config.heads());
    h.put("dropout", config.dropout());
    h.put("stop_words", config.stopWords());
    h.put("alphabetic_only", config.alphabeticOnly());
    h.put("min_similarity", config.minSimilarity());
    h.put("max_tokens", config.maxTokens());
    h.put("train_soft_prompt", config.trainSoftPrompt());
    h.put("mlp", config.residualMlp() ? "residual" : "plain");
    h.put("attention_score", config.attentionScore().id());
    h.put("attention_temperature", config.attentionTemperature());
    h.put("attention_init", config.attentionInit().id());
    h.put("hint_source", config.hintSource().id());
    h.put("trainable_query_side", config.trainableQuerySide());
    h.put("resample", config.resample());
    h.put("wrap_hints", config.wrapHints());
    h.put("truncation", config.truncation().id());
    ObjectNode t = root.putObject("template");
    t.put("soft_prompt_text", config.softPromptText());
    t.put("passage_prefix", config.passagePrefix());
    t.put("hints", config.hintsText());
    t.put("question", config.questionText());
    t.put("query_prefix", config.queryPrefix());
    ObjectNode b = root.putObject("base_model");
    b.put("model_type", base.modelType());
    b.put("hidden_size", base.hiddenSize());
    b.put("vocab_size", base.vocabSize());
    b.put("num_hidden_layers", base.numHiddenLayers());
    if (base.configSha256() == null) b.putNull("config_sha256");
    else b.put("config_sha256", base.configSha256());
    if (training != null) root.set("training", training);
    TensorFile.write(dir.resolve(WEIGHTS_FILE), params.asMap(), Map.of("format", "pt"));
    AtomicOutput.writeString(dir.resolve(CONFIG_FILE), root.toPrettyString());
  }

  public static Loaded load(Path dir) {
    Path file = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "not an adapter folder: " + dir + " has no " + CONFIG_FILE);
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
    }
    if (root.path("format_version").asInt(-1) != FORMAT_VERSION) {
      throw new UnsupportedOperationException(
          file
              + ": format_version "
              + root.path("format_version")
              + " is not supported; supported: "
              + FORMAT_VERSION);
    }
    JsonNode h = root.path("hyper_parameters");
    JsonNode t = root.path("template");
    PeftConfig config;
    try {
      config =
          PeftConfig.builder()
              .setVariant(Variant.parse(text(root, "variant", file)))
              .optTopK(h.path("top_k").asInt(10))
              .optHeads(h.path("heads").asInt(2))
              .optDropout(h.path("dropout").asDouble(0.1))
              .optStopWords(h.path("stop_words").asBoolean(true))
              .optAlphabeticOnly(h.path("alphabetic_only").asBoolean(true))
              .optMinSimilarity(h.path("min_similarity").asDouble(-1)) // older adapters: no floor
              .optMaxTokens(h.path("max_tokens").asInt(300))
              .optSoftPromptText(text(t, "soft_prompt_text", file))
              .optTrainSoftPrompt(h.path("train_soft_prompt").asBoolean(false))
              .optTemplate(
                  text(t, "passage_prefix", file),
                  text(t, "hints", file),
                  text(t, "question", file))
              .optQueryPrefix(text(t, "query_prefix", file))
              .optResidualMlp(h.path("mlp").asText("plain").equals("residual"))
              .optAttentionScore(AttentionScore.parse(h.path("attention_score").asText("dot")))
              .optAttentionTemperature(h.path("attention_temperature").asDouble(10))
              .optAttentionInit(AttentionInit.parse(h.path("attention_init").asText("xavier")))
              .optHintSource(HintSource.parse(h.path("hint_source").asText("passage")))
              .optTrainableQuerySide(h.path("trainable_query_side").asBoolean(false))
              .optResample(h.path("resample").asBoolean(false))
              .optWrapHints(h.path("wrap_hints").asBoolean(false))
              .optTruncation(Truncation.parse(h.path("truncation").asText("start")))
              .build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    JsonNode b = root.path("base_model");
    BaseModel base =
        new BaseModel(
            text(b, "model_type", file),
            b.path("hidden_size").asInt(),
            b.path("vocab_size").asInt(),
            b.path("num_hidden_layers").asInt(),
            b.path("config_sha256").isTextual() ? b.get("config_sha256").asText() : null);
    ParameterSet params = new ParameterSet();
    for (Map.Entry<String, Tensor> e : TensorFile.read(dir.resolve(WEIGHTS_FILE)).entrySet()) {
      boolean train = e.getKey().equals(ParameterSet.SOFT_PROMPT) ? config.trainSoftPrompt() : true;
      params.put(e.getKey(), e.getValue(), train);
    }
    return new Loaded(config, params, base, root.path("training"));
  }

  private static String text(JsonNode node, String field, Path file) {
    JsonNode n = node.get(field);
    if (n == null || !n.isTextual()) {
      throw new IllegalArgumentException(
          file + ": field '" + field + "' is missing or not a string");
    }
    return n.asText();
  }
}
