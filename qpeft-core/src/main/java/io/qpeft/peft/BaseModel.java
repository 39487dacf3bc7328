package io.qpeft.peft;

import io.qpeft.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The identity of the base LM an adapter was trained on: its architecture fields and, when it was
 * loaded from a folder, the SHA-256 of its {@code config.json} ({@code null} for random models).
 */
public record BaseModel(
    String modelType, int hiddenSize, int vocabSize, int numHiddenLayers, String configSha256) {
  public BaseModel {
    Objects.requireNonNull(modelType, "modelType");
  }

  /** The identity of {@code config}; {@code modelDir} (may be null) gives the config hash. */
  public static BaseModel of(ModelConfig config, Path modelDir) {
    String sha = null;
    if (modelDir != null && Files.isRegularFile(modelDir.resolve("config.json"))) {
      sha = sha256(modelDir.resolve("config.json"));
    }
    return new BaseModel(
        config.family(), config.hiddenSize(), config.vocabSize(), config.numHiddenLayers(), sha);
  }

  static String sha256(Path file) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Throws if an adapter trained on this base cannot run on {@code actual}: the architecture fields
   * must match, and the config hashes too when both are known.
   */
  public void requireCompatible(BaseModel actual, Path adapterDir) {
    boolean shape =
        modelType.equals(actual.modelType)
            && hiddenSize == actual.hiddenSize
            && vocabSize == actual.vocabSize
            && numHiddenLayers == actual.numHiddenLayers;
    boolean hash =
        configSha256 == null
            || actual.configSha256 == null
            || configSha256.equals(actual.configSha256);
    if (!shape || !hash) {
      throw new IllegalArgumentException(
          "adapter "
              + adapterDir
              + " was trained on base model "
              + describe()
              + " but the loaded model is "
              + actual.describe()
              + "; load the base model it was trained on");
    }
  }

  public String describe() {
    return modelType
        + " (hidden_size "
        + hiddenSize
        + ", vocab_size "
        + vocabSize
        + ", "
        + numHiddenLayers
        + " layers"
        + (configSha256 == null ? "" : ", config.json sha256 " + configSha256.substring(0, 12))
        + ")";
  }
}
