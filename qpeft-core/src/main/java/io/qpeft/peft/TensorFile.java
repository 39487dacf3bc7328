package io.qpeft.peft;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import io.qpeft.model.Safetensors;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes and reads F32 safetensors files: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets}}}, then the raw little-endian data. Writes are atomic
 * (temp file in the same folder, then an atomic move), so a crash never leaves a half-written file.
 */
public final class TensorFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TensorFile() {}

  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (int s : e.getValue().shape()) shape.add(s);
      long bytes = 4L * e.getValue().data().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int pad =
        (8 - json.length % 8)
            % 8; // align the data section to 8 bytes, as the reference writer does
    byte[] padded = Arrays.copyOf(json, json.length + pad);
    Arrays.fill(padded, json.length, padded.length, (byte) ' ');
    try (AtomicOutput output = new AtomicOutput(file)) {
      OutputStream out = output.stream();
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
      out.write(len.array());
      out.write(padded);
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        for (float v : t.data()) {
          if (!buf.hasRemaining()) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putFloat(v);
        }
      }
      out.write(buf.array(), 0, buf.position());
      output.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** All tensors of an F32 safetensors file, in file order. */
  public static Map<String, Tensor> read(Path file) {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("missing tensor file: " + file);
    Safetensors st = Safetensors.open(file);
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Safetensors.TensorInfo info : st.tensors().values()) {
      if (!info.dtype().equals("F32")) {
        throw new UnsupportedOperationException(
            file
                + ": tensor "
                + info.name()
                + " has dtype "
                + info.dtype()
                + "; adapters are F32 only");
      }
      int[] shape = new int[info.shape().length];
      for (int i = 0; i < shape.length; i++) shape[i] = Math.toIntExact(info.shape()[i]);
      FloatBuffer fb = st.slice(info).asFloatBuffer();
      float[] data = new float[fb.remaining()];
      fb.get(data);
      out.put(info.name(), new Tensor(shape, data));
    }
    return out;
  }
}
