package io.qpeft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * The golden fixtures copied from {@code shared/fixtures} into the core test resources (tiny models
 * and float64 reference log-likelihoods). Other modules reach them through the core test-jar.
 */
public final class Fixtures {
  /** One tiny model per supported family (and Llama 3's scaled RoPE), each with golden values. */
  public static final String[] MODELS = {
    "tiny-llama", "tiny-qwen2", "tiny-gpt2", "tiny-llama3", "tiny-qwen3", "tiny-gemma2", "tiny-phi3"
  };

  private Fixtures() {}

  /** {@link #MODELS}, for {@code @MethodSource("io.qpeft.Fixtures#models")}. */
  public static String[] models() {
    return MODELS.clone();
  }

  /** The folder of a fixture model, e.g. {@code tiny-llama}. */
  public static Path model(String name) {
    return resource("fixtures/models/" + name);
  }

  public static JsonNode golden(String name) {
    try {
      return new ObjectMapper().readTree(resource("fixtures/golden/" + name + ".json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path resource(String path) {
    URL url = Fixtures.class.getClassLoader().getResource(path);
    if (url == null) throw new IllegalStateException("test resource not found: " + path);
    if (!"file".equals(url.getProtocol())) {
      throw new IllegalStateException(
          "fixture " + path + " is inside a jar (" + url + "); tests need it as a file");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
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
