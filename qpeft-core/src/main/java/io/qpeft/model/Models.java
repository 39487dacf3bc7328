package io.qpeft.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.qpeft.model.gemma.GemmaModel;
import io.qpeft.model.gemma2.Gemma2Model;
import io.qpeft.model.gpt2.Gpt2Model;
import io.qpeft.model.llama.LlamaModel;
import io.qpeft.model.phi3.Phi3Model;
import io.qpeft.model.qwen3.Qwen3Model;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a frozen causal LM from a Hugging Face model folder: one class per family. */
public final class Models {
  private Models() {}

  /**
   * Loads {@code config.json} and the safetensors weights of {@code modelDir} with the default
   * options: the first GPU if the CUDA build sees one (weights in the checkpoint's half precision),
   * else the CPU in F32.
   */
  public static TransformerLm load(Path modelDir) {
    return load(modelDir, EngineOptions.defaults());
  }

  /**
   * Loads {@code modelDir} onto the device and in the dtype {@code options} select; the weights go
   * to the device tensor by tensor, converted on the way (see {@link Weights}).
   */
  public static TransformerLm load(Path modelDir, EngineOptions options) {
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("model folder not found: " + modelDir);
    }
    ModelConfig config = HfConfig.read(modelDir);
    Weights weights = Weights.open(modelDir);
    Placement placement = options.place(EngineBuild.detect()).resolve(weights.storedDType());
    return create(config, weights.as(placement.dtype()), placement);
  }

  /**
   * Where {@link #load(Path, EngineOptions)} would put {@code modelDir}'s weights and in what
   * dtype, without loading them (only the safetensors headers are read).
   */
  public static Placement placement(Path modelDir, EngineOptions options) {
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("model folder not found: " + modelDir);
    }
    return options.place(EngineBuild.detect()).resolve(Weights.open(modelDir).storedDType());
  }

  /**
   * A model of {@code config}'s shape with seeded random weights (for benchmarks), F32 on the CPU.
   */
  public static TransformerLm random(ModelConfig config, long seed) {
    return random(config, seed, EngineOptions.builder().optDevice("cpu").build());
  }

  /**
   * A model of {@code config}'s shape with seeded random weights on the device and in the dtype
   * {@code options} select ({@code auto}: F32).
   */
  public static TransformerLm random(ModelConfig config, long seed, EngineOptions options) {
    Placement placement = options.place(EngineBuild.detect()).resolve("F32");
    return create(config, new RandomWeights(seed, placement.dtype()), placement);
  }

  private static TransformerLm create(
      ModelConfig config, TensorSource source, Placement placement) {
    NDManager manager = Engine.getEngine("PyTorch").newBaseManager(placement.device());
    try {
      return switch (config.family()) {
        case "llama", "mistral", "qwen2" -> new LlamaModel(config, source, manager);
        case "qwen3" -> new Qwen3Model(config, source, manager);
        case "gemma" -> new GemmaModel(config, source, manager);
        case "gemma2" -> new Gemma2Model(config, source, manager);
        case "phi3" -> new Phi3Model(config, source, manager);
        case "gpt2" -> new Gpt2Model(config, source, manager);
        default ->
            throw new UnsupportedOperationException(
                "no model for family '" + config.family() + "'; supported: " + HfConfig.SUPPORTED);
      };
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }
}
