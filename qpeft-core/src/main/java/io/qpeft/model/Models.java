package io.qpeft.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
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

  /** Loads {@code config.json} and the safetensors weights of {@code modelDir}. */
  public static TransformerLm load(Path modelDir) {
    if (!Files.isDirectory(modelDir)) {
      throw new IllegalArgumentException("model folder not found: " + modelDir);
    }
    ModelConfig config = HfConfig.read(modelDir);
    return create(config, Weights.open(modelDir));
  }

  /** A model of {@code config}'s shape with seeded random weights (for benchmarks). */
  public static TransformerLm random(ModelConfig config, long seed) {
    return create(config, new RandomWeights(seed));
  }

  private static TransformerLm create(ModelConfig config, TensorSource source) {
    NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
    try {
      return switch (config.family()) {
        case "llama", "mistral", "qwen2" -> new LlamaModel(config, source, manager);
        case "qwen3" -> new Qwen3Model(config, source, manager);
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
