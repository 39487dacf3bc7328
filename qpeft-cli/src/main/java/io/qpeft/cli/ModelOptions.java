package io.qpeft.cli;

import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model} and {@code --batch-tokens}, shared by the commands that load an LM. {@code
 * --model} is a local Hugging Face model folder or a hub id {@code org/name[@revision]}, which is
 * downloaded once into the huggingface_hub cache (see {@link ModelResolver}).
 */
public final class ModelOptions {
  @Option(
      names = "--model",
      required = true,
      paramLabel = "MODEL",
      description =
          "Model folder (Hugging Face layout) or hub id org/name[@revision], e.g. HuggingFaceTB/SmolLM2-135M.")
  String model;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      defaultValue = "2048",
      description =
          "Padded tokens per forward pass (default: ${DEFAULT-VALUE}); lower it if memory runs out.")
  int batchTokens;

  /** {@code --model} as given. */
  public String model() {
    return model;
  }

  /** The local folder of {@code --model}, downloading a hub model first if needed. */
  public Path modelDir() {
    return ModelResolver.resolve(model);
  }

  /** Loads the model in {@code dir}. */
  public TransformerLm load(Path dir) {
    batchTokens();
    return Models.load(dir);
  }

  /** {@code --batch-tokens}, checked. */
  public int batchTokens() {
    if (batchTokens <= 0) {
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
    }
    return batchTokens;
  }
}
