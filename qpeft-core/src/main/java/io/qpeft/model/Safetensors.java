package io.qpeft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}}}, then the raw tensor bytes. The file
 * is mapped read-only; {@link #slice} returns views, never copies, and nothing ever writes to them.
 */
public final class Safetensors {

  /** Where one tensor lies in the file. */
  public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
    public long elementCount() {
      long n = 1;
      for (long s : shape) n *= s;
      return n;
    }

    public int bytesPerElement() {
      return switch (dtype) {
        case "F32", "I32" -> 4;
        case "F16", "BF16", "I16" -> 2;
        case "F64", "I64" -> 8;
        case "I8", "U8", "BOOL" -> 1;
        default ->
            throw new UnsupportedOperationException(
                "tensor " + name + " has dtype " + dtype + "; supported: F32, F16, BF16");
      };
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final MappedByteBuffer data;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;

  private Safetensors(
      Path file, MappedByteBuffer data, long dataStart, Map<String, TensorInfo> tensors) {
    this.file = file;
    this.data = data;
    this.dataStart = dataStart;
    this.tensors = tensors;
  }

  /** Maps {@code file} and parses its header; every problem names the file. */
  public static Safetensors open(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8)
        throw corrupt(file, "file is " + size + " bytes, shorter than the 8-byte header length");
      if (size > Integer.MAX_VALUE) {
        throw new UnsupportedOperationException(
            file
                + ": "
                + size
                + " bytes; files over 2 GiB must be sharded (model-0000k-of-0000n.safetensors)");
      }
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      map.order(ByteOrder.LITTLE_ENDIAN);
      long headerLength = map.getLong(0);
      if (headerLength <= 0 || headerLength > size - 8) {
        throw corrupt(
            file,
            "header length " + headerLength + " does not fit in a file of " + size + " bytes");
      }
      byte[] header = new byte[(int) headerLength];
      map.get(8, header);
      long dataStart = 8 + headerLength;
      Map<String, TensorInfo> tensors = parseHeader(file, header, size - dataStart);
      return new Safetensors(file, map, dataStart, tensors);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static Map<String, TensorInfo> parseHeader(Path file, byte[] header, long dataSize) {
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw corrupt(file, "header is not valid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) throw corrupt(file, "header is not a JSON object");
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) continue;
      JsonNode t = e.getValue();
      JsonNode offsets = t.get("data_offsets");
      JsonNode shapeNode = t.get("shape");
      if (!t.hasNonNull("dtype") || offsets == null || offsets.size() != 2 || shapeNode == null) {
        throw corrupt(file, "tensor " + e.getKey() + " lacks dtype, shape or data_offsets");
      }
      long[] shape = new long[shapeNode.size()];
      for (int i = 0; i < shape.length; i++) shape[i] = shapeNode.get(i).asLong();
      TensorInfo info =
          new TensorInfo(
              e.getKey(),
              t.get("dtype").asText(),
              shape,
              offsets.get(0).asLong(),
              offsets.get(1).asLong());
      if (info.begin() < 0 || info.end() < info.begin() || info.end() > dataSize) {
        throw corrupt(
            file,
            "tensor "
                + info.name()
                + " data_offsets ["
                + info.begin()
                + ", "
                + info.end()
                + "] fall outside the "
                + dataSize
                + "-byte data section");
      }
      long expected = info.elementCount() * info.bytesPerElement();
      if (info.end() - info.begin() != expected) {
        throw corrupt(
            file,
            "tensor "
                + info.name()
                + " has "
                + (info.end() - info.begin())
                + " bytes but dtype "
                + info.dtype()
                + " and shape "
                + java.util.Arrays.toString(shape)
                + " need "
                + expected);
      }
      out.put(info.name(), info);
    }
    return out;
  }

  private static IllegalArgumentException corrupt(Path file, String what) {
    return new IllegalArgumentException("corrupt safetensors file " + file + ": " + what);
  }

  public Path file() {
    return file;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** A read-only little-endian view of one tensor's bytes. */
  public ByteBuffer slice(TensorInfo info) {
    ByteBuffer b = data.slice((int) (dataStart + info.begin()), (int) (info.end() - info.begin()));
    return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }
}
