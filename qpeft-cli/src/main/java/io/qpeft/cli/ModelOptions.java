package io.qpeft.cli;

import io.qpeft.model.EngineOptions;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --model}, {@code --device}, {@code --dtype} and {@code --batch-tokens}, shared by the
 * commands that load an LM. {@code --model} is a local Hugging Face model folder or a hub id {@code
 * org/name[@revision]}, which is downloaded once into the huggingface_hub cache (see {@link
 * ModelResolver}). Loading says on stderr which device, engine build, dtype and token budget are in
 * use.
 */
public final class ModelOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "MODEL",
      description =
          "Model folder (Hugging Face layout) or hub id org/name[@revision], e.g. HuggingFaceTB/SmolLM2-135M.")
  String model;

  @Mixin DeviceOptions deviceOptions;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      description =
          "Padded tokens per forward pass (default: 2048 on the CPU; on a GPU derived from its free"
              + " memory). Out-of-memory errors halve it and retry.")
  Integer batchTokens;

  /** {@code --model} as given. */
  public String model() {
    return model;
  }

  /** The local folder of {@code --model}, downloading a hub model first if needed. */
  public Path modelDir() {
    return ModelResolver.resolve(model);
  }

  /** {@code --device} and {@code --dtype}, checked. */
  public EngineOptions engineOptions() {
    return deviceOptions.engineOptions();
  }

  /**
   * Loads the model in {@code dir} on {@code --device} in {@code --dtype}, and says on stderr where
   * it runs.
   */
  public TransformerLm load(Path dir) {
    batchTokens();
    EngineOptions engine = engineOptions();
    TransformerLm lm = Models.load(dir, engine);
    DeviceOptions.announce(spec.commandLine().getErr(), spec.qualifiedName(), lm, batchTokens(lm));
    return lm;
  }

  /** {@code --batch-tokens}, checked; 0 when not given (the model's default then applies). */
  public int batchTokens() {
    if (batchTokens == null) return 0;
    if (batchTokens <= 0) {
      throw new IllegalArgumentException("--batch-tokens must be positive, got " + batchTokens);
    }
    return batchTokens;
  }

  /** {@code --batch-tokens}, or {@code lm}'s default for its device when not given. */
  public int batchTokens(LanguageModel lm) {
    int given = batchTokens();
    return given > 0 ? given : lm.defaultBatchTokens();
  }
}
