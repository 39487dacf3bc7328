package io.qpeft.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.qpeft.model.gpt2.Gpt2Model;
import io.qpeft.model.llama.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a frozen causal LM from a Hugging Face model folder. */
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
      return config.isGpt2()
          ? new Gpt2Model(config, source, manager)
          : new LlamaModel(config, source, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }
}
