package io.qpeft.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The tensors of a model folder: {@code model.safetensors}, or the shards listed in {@code
 * model.safetensors.index.json}. F32 tensors become NDArrays that alias the read-only file mapping
 * (no copy); F16/BF16 are widened to F32 exactly, once, while loading.
 */
public final class Weights implements TensorSource {
  private final Map<String, Safetensors> fileOf;
  private final Path modelDir;

  private Weights(Path modelDir, Map<String, Safetensors> fileOf) {
    this.modelDir = modelDir;
    this.fileOf = fileOf;
  }

  public static Weights open(Path modelDir) {
    Path single = modelDir.resolve("model.safetensors");
    Path index = modelDir.resolve("model.safetensors.index.json");
    Map<String, Safetensors> fileOf = new LinkedHashMap<>();
    if (Files.isRegularFile(single)) {
      Safetensors st = Safetensors.open(single);
      for (String name : st.tensors().keySet()) fileOf.put(name, st);
    } else if (Files.isRegularFile(index)) {
      JsonNode map;
      try {
        map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot parse " + index + ": " + e.getMessage(), e);
      }
      if (map == null || !map.isObject()) {
        throw new IllegalArgumentException(index + " has no 'weight_map' object");
      }
      Map<String, Safetensors> shards = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String shardName = e.getValue().asText();
        Safetensors shard =
            shards.computeIfAbsent(
                shardName,
                s -> {
                  Path p = modelDir.resolve(s);
                  if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(
                        "missing shard " + p + " listed in " + index);
                  }
                  return Safetensors.open(p);
                });
        if (!shard.tensors().containsKey(e.getKey())) {
          throw new IllegalArgumentException(
              index
                  + " says tensor "
                  + e.getKey()
                  + " is in "
                  + shardName
                  + ", but that file lacks it");
        }
        fileOf.put(e.getKey(), shard);
      }
    } else {
      throw new IllegalArgumentException(
          "no weights in "
              + modelDir
              + ": expected model.safetensors or model.safetensors.index.json (only safetensors is supported)");
    }
    return new Weights(modelDir, fileOf);
  }

  @Override
  public boolean contains(String name) {
    return fileOf.containsKey(name);
  }

  /**
   * Tensor {@code name} as an F32 NDArray owned by {@code manager}, checked against {@code shape}.
   */
  @Override
  public NDArray get(NDManager manager, String name, long... shape) {
    Safetensors file = fileOf.get(name);
    if (file == null) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + " not found in "
              + modelDir
              + " (it has "
              + fileOf.size()
              + " tensors, e.g. "
              + new TreeSet<>(fileOf.keySet()).first()
              + ")");
    }
    Safetensors.TensorInfo info = file.tensors().get(name);
    if (!Arrays.equals(info.shape(), shape)) {
      throw new IllegalArgumentException(
          "shape mismatch for "
              + name
              + " in "
              + file.file()
              + ": file has "
              + Arrays.toString(info.shape())
              + ", config.json implies "
              + Arrays.toString(shape));
    }
    ByteBuffer bytes = file.slice(info);
    ByteBuffer f32 =
        switch (info.dtype()) {
          case "F32" -> bytes; // aliases the mapping: no copy
          case "BF16" -> widen(bytes, info.elementCount(), true);
          case "F16" -> widen(bytes, info.elementCount(), false);
          default ->
              throw new UnsupportedOperationException(
                  "tensor "
                      + name
                      + " in "
                      + file.file()
                      + " has dtype "
                      + info.dtype()
                      + "; supported: F32, F16, BF16");
        };
    return manager.create(f32, new Shape(shape), DataType.FLOAT32);
  }

  /** Widens 16-bit floats to F32 exactly: BF16 is the top half of an F32; F16 is IEEE half. */
  private static ByteBuffer widen(ByteBuffer src, long count, boolean bf16) {
    ByteBuffer out =
        ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
    for (int i = 0; i < count; i++) {
      int h = src.getShort(2 * i) & 0xffff;
      out.putInt(4 * i, bf16 ? h << 16 : Float.floatToRawIntBits(halfToFloat(h)));
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Java 17 lacks Float.float16ToFloat). */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13)); // inf / NaN
    if (exp == 0) {
      if (mant == 0) return Float.intBitsToFloat(sign); // signed zero
      float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
