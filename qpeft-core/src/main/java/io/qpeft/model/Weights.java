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
 * model.safetensors.index.json}, read as F32 (the default) or F16 ({@link #as}).
 *
 * <p>Each tensor is converted on its own, straight from the read-only file mapping, into an NDArray
 * on the manager's device: a tensor already in the wanted type aliases the mapping on the CPU (no
 * copy) and is uploaded from it to a GPU; F16/BF16 widen to F32 exactly; F32/BF16 round to F16 (to
 * nearest). So a model never has a full F32 copy on the host, only one tensor's conversion buffer
 * at a time.
 */
public final class Weights implements TensorSource {
  private final Map<String, Safetensors> fileOf;
  private final Path modelDir;
  private final DType dtype;

  private Weights(Path modelDir, Map<String, Safetensors> fileOf, DType dtype) {
    this.modelDir = modelDir;
    this.fileOf = fileOf;
    this.dtype = dtype;
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
    return new Weights(modelDir, fileOf, DType.F32);
  }

  /** These weights read as {@code dtype} (F32 or F16). */
  public Weights as(DType dtype) {
    dtype.dataType(); // rejects AUTO
    return new Weights(modelDir, fileOf, dtype);
  }

  /**
   * The checkpoint's dtype ({@code F32}, {@code F16} or {@code BF16}): that of its largest tensor,
   * for resolving {@code --dtype auto}.
   */
  public String storedDType() {
    Safetensors.TensorInfo largest = null;
    for (Map.Entry<String, Safetensors> e : fileOf.entrySet()) {
      Safetensors.TensorInfo t = e.getValue().tensors().get(e.getKey());
      if (largest == null || t.elementCount() > largest.elementCount()) largest = t;
    }
    return largest == null ? "F32" : largest.dtype();
  }

  @Override
  public boolean contains(String name) {
    return fileOf.containsKey(name);
  }

  /**
   * Tensor {@code name} as an F32 or F16 NDArray (see {@link #as}) owned by {@code manager}, on its
   * device, checked against {@code shape}.
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
    String stored = info.dtype();
    if (!stored.equals("F32") && !stored.equals("F16") && !stored.equals("BF16")) {
      throw new UnsupportedOperationException(
          "tensor "
              + name
              + " in "
              + file.file()
              + " has dtype "
              + stored
              + "; supported: F32, F16, BF16");
    }
    ByteBuffer bytes = file.slice(info);
    long count = info.elementCount();
    if (dtype == DType.F32) {
      ByteBuffer f32 = stored.equals("F32") ? bytes : widen(bytes, count, stored.equals("BF16"));
      return manager.create(f32, new Shape(shape), DataType.FLOAT32);
    }
    ByteBuffer f16 = stored.equals("F16") ? bytes : narrow(bytes, count, stored, name, file);
    return manager.create(f16, new Shape(shape), DataType.FLOAT16);
  }

  /** Widens 16-bit floats to F32 exactly: BF16 is the top half of an F32; F16 is IEEE half. */
  private static ByteBuffer widen(ByteBuffer src, long count, boolean bf16) {
    ByteBuffer out =
        ByteBuffer.allocateDirect(Math.toIntExact(count * 4)).order(ByteOrder.nativeOrder());
    for (int i = 0; i < count; i++) {
      int h = src.getShort(2 * i) & 0xffff;
      out.putInt(4 * i, bf16 ? h << 16 : Float.floatToRawIntBits(HalfFloat.toFloat(h)));
    }
    return out;
  }

  /**
   * Rounds F32 or BF16 values to F16; a value beyond F16's range is an error rather than a silent
   * infinity.
   */
  private static ByteBuffer narrow(
      ByteBuffer src, long count, String stored, String name, Safetensors file) {
    boolean bf16 = stored.equals("BF16");
    ByteBuffer out =
        ByteBuffer.allocateDirect(Math.toIntExact(count * 2)).order(ByteOrder.nativeOrder());
    for (int i = 0; i < count; i++) {
      float f =
          bf16 ? Float.intBitsToFloat((src.getShort(2 * i) & 0xffff) << 16) : src.getFloat(4 * i);
      short h = HalfFloat.fromFloat(f);
      if ((h & 0x7c00) == 0x7c00 && Float.isFinite(f)) {
        throw new IllegalArgumentException(
            "tensor "
                + name
                + " in "
                + file.file()
                + " holds "
                + f
                + ", beyond F16's range (65504): load this model with dtype f32");
      }
      out.putShort(2 * i, h);
    }
    return out;
  }
}
