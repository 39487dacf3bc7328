package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading errors name the file and what is wrong; F16 weights widen exactly. */
class ModelLoadingTest {

  private static Path copyOf(String model, Path dir) throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.model(model))) {
      for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
    }
    return dir;
  }

  private static String error(Path dir) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> Models.load(dir).close());
    return e.getMessage();
  }

  @Test
  void unsupportedArchitectureListsSupportedOnes(@TempDir Path dir) throws IOException {
    copyOf("tiny-llama", dir);
    Path config = dir.resolve("config.json");
    Files.writeString(config, Files.readString(config).replace("\"llama\"", "\"falcon\""));
    String msg = error(dir);
    assertTrue(
        msg.contains("falcon") && msg.contains("gpt2") && msg.contains(config.toString()), msg);
  }

  @Test
  void missingWeightsAndShards(@TempDir Path dir) throws IOException {
    copyOf("tiny-gpt2", dir);
    Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
    assertTrue(error(dir).contains("model-00002-of-00002.safetensors"));
    Files.delete(dir.resolve("model.safetensors.index.json"));
    assertTrue(error(dir).contains("model.safetensors"));
    Files.delete(dir.resolve("config.json"));
    assertTrue(error(dir).contains("config.json"));
  }

  @Test
  void shapeMismatchNamesTensorAndShapes(@TempDir Path dir) throws IOException {
    copyOf("tiny-llama", dir);
    Path config = dir.resolve("config.json");
    Files.writeString(
        config,
        Files.readString(config)
            .replace("\"intermediate_size\": 160", "\"intermediate_size\": 128"));
    String msg = error(dir);
    assertTrue(
        msg.contains("gate_proj") && msg.contains("[160, 64]") && msg.contains("[128, 64]"), msg);
  }

  @Test
  void corruptHeaderIsReported(@TempDir Path dir) throws IOException {
    copyOf("tiny-llama", dir);
    Path weights = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    bytes[8] = 'X'; // break the JSON header
    Files.write(weights, bytes);
    String msg = error(dir);
    assertTrue(msg.contains("corrupt safetensors") && msg.contains(weights.toString()), msg);
    Files.write(weights, new byte[] {1, 2, 3});
    assertTrue(error(dir).contains("shorter than the 8-byte header"));
    ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
    Files.write(weights, huge.array());
    assertTrue(error(dir).contains("does not fit"));
  }

  @Test
  void truncatedDataIsReported(@TempDir Path dir) throws IOException {
    copyOf("tiny-llama", dir);
    Path weights = dir.resolve("model.safetensors");
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertTrue(error(dir).contains("fall outside"));
  }

  /** An F16 copy of tiny-llama (values rounded to half) scores like F32 weights of those values. */
  @Test
  void halfPrecisionWeightsAreWidened(@TempDir Path dir) throws IOException {
    copyOf("tiny-llama", dir);
    Path weights = dir.resolve("model.safetensors");
    Safetensors st = Safetensors.open(weights);
    Path f16 = dir.resolve("f16");
    Path f32 = dir.resolve("f32");
    Files.createDirectories(f16);
    Files.createDirectories(f32);
    for (Path d : List.of(f16, f32)) {
      Files.copy(dir.resolve("config.json"), d.resolve("config.json"));
    }
    SafetensorsWriterForTest.rewrite(st, f16.resolve("model.safetensors"), true);
    SafetensorsWriterForTest.rewrite(st, f32.resolve("model.safetensors"), false);
    ScoreRequest r = new ScoreRequest(new int[] {1, 50, 60, 70, 80}, new int[] {90, 100, 2});
    try (TransformerLm a = Models.load(f16);
        TransformerLm b = Models.load(f32)) {
      float[] x = a.score(List.of(r)).get(0).targetLogprobs();
      float[] y = b.score(List.of(r)).get(0).targetLogprobs();
      for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-5);
    }
  }

  /** Writes safetensors files for the test: F16 (rounded) or F32 of the F16-rounded values. */
  static final class SafetensorsWriterForTest {
    static void rewrite(Safetensors src, Path out, boolean asHalf) throws IOException {
      StringBuilder header = new StringBuilder("{");
      java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
      for (Safetensors.TensorInfo t : src.tensors().values()) {
        ByteBuffer b = src.slice(t);
        int n = (int) t.elementCount();
        ByteBuffer o = ByteBuffer.allocate(n * (asHalf ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          short h = HalfFloat.fromFloat(b.getFloat(4 * i));
          if (asHalf) o.putShort(h);
          else o.putFloat(HalfFloat.toFloat(h & 0xffff));
        }
        long begin = data.size();
        data.write(o.array());
        if (header.length() > 1) header.append(',');
        header
            .append('"')
            .append(t.name())
            .append("\":{\"dtype\":\"")
            .append(asHalf ? "F16" : "F32")
            .append("\",\"shape\":")
            .append(java.util.Arrays.toString(t.shape()).replace(" ", ""))
            .append(",\"data_offsets\":[")
            .append(begin)
            .append(',')
            .append(data.size())
            .append("]}");
      }
      header.append('}');
      byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
      try (var os = Files.newOutputStream(out)) {
        os.write(len.array());
        os.write(h);
        os.write(data.toByteArray());
      }
    }
  }
}
