package io.qpeft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The golden fixtures copied from {@code shared/fixtures} into the core test resources (tiny models
 * and float64 reference log-likelihoods), for the tests of every module. The one way to them is the
 * system property {@value #PROPERTY}, the fixtures folder, which the parent pom's surefire and
 * failsafe configurations set; other modules get this class through the core test-jar.
 */
public final class Fixtures {
  /** One tiny model per supported family (and Llama 3's scaled RoPE), each with golden values. */
  public static final String[] MODELS = {
    "tiny-llama", "tiny-qwen2", "tiny-gpt2", "tiny-llama3", "tiny-qwen3", "tiny-gemma2", "tiny-phi3"
  };

  /** The system property naming the fixtures folder. */
  public static final String PROPERTY = "qpeft.fixtures";

  private Fixtures() {}

  /** {@link #MODELS}, for {@code @MethodSource("io.qpeft.Fixtures#models")}. */
  public static String[] models() {
    return MODELS.clone();
  }

  /** The folder of a fixture model, e.g. {@code tiny-llama}. */
  public static Path model(String name) {
    return file("models/" + name);
  }

  public static JsonNode golden(String name) {
    try {
      return new ObjectMapper().readTree(file("golden/" + name + ".json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file or folder of the fixtures, e.g. {@code tokenizer} or {@code golden/tiny-llama.json}. */
  public static Path file(String relative) {
    Path p = root().resolve(relative);
    if (!Files.exists(p))
      throw new IllegalStateException("no fixture " + relative + " in " + root());
    return p;
  }

  /** The fixtures folder, from the system property {@value #PROPERTY}. */
  public static Path root() {
    String dir = System.getProperty(PROPERTY);
    if (dir == null || dir.isBlank()) {
      throw new IllegalStateException(
          "system property "
              + PROPERTY
              + " is not set: run the tests through Maven, or set it to"
              + " qpeft-core/src/test/resources/fixtures");
    }
    Path root = Path.of(dir).toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new IllegalStateException(PROPERTY + "=" + dir + " is not a folder");
    }
    return root;
  }

  public static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
    return out;
  }

  /** A JSON matrix {@code [[...], ...]} as row-major floats. */
  public static float[] matrix(JsonNode rows) {
    int cols = rows.get(0).size();
    float[] out = new float[rows.size() * cols];
    for (int r = 0; r < rows.size(); r++) {
      for (int c = 0; c < cols; c++) out[r * cols + c] = (float) rows.get(r).get(c).asDouble();
    }
    return out;
  }
}
