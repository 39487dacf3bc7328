package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.Fixtures;
import io.qpeft.model.gemma.GemmaModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma (1) has no golden file in the fixtures, so it is checked against an independent float64
 * implementation of Hugging Face's {@code GemmaForCausalLM} written out here in plain loops, on a
 * tiny Gemma built from tiny-gemma2's tensors (hidden 64, 3 layers, 4/2 heads of 32, GeGLU 128).
 */
class GemmaModelTest {
  @TempDir static Path dir;
  static Map<String, float[]> tensors = new LinkedHashMap<>();
  static Map<String, long[]> shapes = new LinkedHashMap<>();
  static final int D = 64;
  static final int LAYERS = 3;
  static final int HEADS = 4;
  static final int KV = 2;
  static final int HD = 32;
  static final int INTER = 128;
  static final int VOCAB = 960;
  static final double EPS = 1e-6;

  @BeforeAll
  static void buildTinyGemma() throws IOException {
    Safetensors src = Safetensors.open(Fixtures.model("tiny-gemma2").resolve("model.safetensors"));
    copy(src, "model.embed_tokens.weight", "model.embed_tokens.weight");
    copy(src, "model.norm.weight", "model.norm.weight");
    for (int i = 0; i < LAYERS; i++) {
      String p = "model.layers." + i + ".";
      for (String n :
          List.of(
              "input_layernorm.weight",
              "self_attn.q_proj.weight",
              "self_attn.k_proj.weight",
              "self_attn.v_proj.weight",
              "self_attn.o_proj.weight",
              "mlp.gate_proj.weight",
              "mlp.up_proj.weight",
              "mlp.down_proj.weight")) {
        copy(src, p + n, p + n);
      }
      // Gemma 1's post_attention_layernorm is the MLP's input norm (Gemma 2's pre-feedforward).
      copy(src, p + "pre_feedforward_layernorm.weight", p + "post_attention_layernorm.weight");
    }
    writeSafetensors(dir.resolve("model.safetensors"));
    ObjectNode c = new ObjectMapper().createObjectNode();
    c.putArray("architectures").add("GemmaForCausalLM");
    c.put("model_type", "gemma");
    c.put("hidden_size", D);
    c.put("num_hidden_layers", LAYERS);
    c.put("num_attention_heads", HEADS);
    c.put("num_key_value_heads", KV);
    c.put("head_dim", HD);
    c.put("intermediate_size", INTER);
    c.put("vocab_size", VOCAB);
    c.put("rms_norm_eps", EPS);
    c.put("rope_theta", 10000.0);
    c.put("hidden_act", "gelu"); // ignored by Gemma, which reads hidden_activation
    c.putNull("hidden_activation"); // null: the tanh GELU, as transformers falls back to
    c.put("bos_token_id", 1);
    c.put("eos_token_id", 2);
    Files.writeString(dir.resolve("config.json"), c.toString());
  }

  private static void copy(Safetensors src, String from, String to) {
    Safetensors.TensorInfo info = src.tensors().get(from);
    ByteBuffer b = src.slice(info);
    float[] v = new float[(int) info.elementCount()];
    for (int i = 0; i < v.length; i++) v[i] = b.getFloat(4 * i);
    tensors.put(to, v);
    shapes.put(to, info.shape());
  }

  private static void writeSafetensors(Path file) throws IOException {
    StringBuilder header = new StringBuilder("{");
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      ByteBuffer o = ByteBuffer.allocate(4 * e.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : e.getValue()) o.putFloat(f);
      long begin = data.size();
      data.write(o.array());
      if (header.length() > 1) header.append(',');
      header
          .append('"')
          .append(e.getKey())
          .append("\":{\"dtype\":\"F32\",\"shape\":")
          .append(Arrays.toString(shapes.get(e.getKey())).replace(" ", ""))
          .append(",\"data_offsets\":[")
          .append(begin)
          .append(',')
          .append(data.size())
          .append("]}");
    }
    header.append('}');
    byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream os = Files.newOutputStream(file)) {
      os.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      os.write(h);
      os.write(data.toByteArray());
    }
  }

  @Test
  void logitsAtEveryPositionMatchTheFloat64Reference() {
    SplittableRandom rnd = new SplittableRandom(3);
    int[] ids = new int[40];
    ids[0] = 1;
    for (int i = 1; i < ids.length; i++) ids[i] = rnd.nextInt(4, VOCAB);
    double[][] expected = referenceLogits(ids);
    int[] all = new int[VOCAB];
    Arrays.setAll(all, i -> i);
    List<int[]> prefixes = new ArrayList<>();
    for (int k = 1; k <= ids.length; k++) prefixes.add(Arrays.copyOf(ids, k));
    try (TransformerLm lm = Models.load(dir)) {
      assertTrue(lm instanceof GemmaModel);
      assertEquals("gelu_pytorch_tanh", lm.config().hiddenActivation());
      assertEquals(8f, lm.inputEmbeddingScale());
      float[][] got = lm.lastPositionLogits(prefixes, all, 300); // several batches
      double worst = 0;
      for (int t = 0; t < ids.length; t++) {
        for (int v = 0; v < VOCAB; v++) {
          worst = Math.max(worst, Math.abs(expected[t][v] - got[t][v]));
        }
      }
      assertTrue(worst < 1e-4, "max |logit difference| " + worst);

      // log-probabilities of the second half given the first, through the scoring path
      int[] prompt = Arrays.copyOf(ids, 20);
      int[] target = Arrays.copyOfRange(ids, 20, ids.length);
      float[] lp = lm.score(List.of(new ScoreRequest(prompt, target))).get(0).targetLogprobs();
      for (int k = 0; k < target.length; k++) {
        double[] row = expected[19 + k];
        double max = Arrays.stream(row).max().orElseThrow();
        double z = max + Math.log(Arrays.stream(row).map(x -> Math.exp(x - max)).sum());
        assertEquals(row[target[k]] - z, lp[k], 1e-4, "target token " + k);
      }
    }
  }

  /** In F16 (on the test device, see {@link DevicePrecisionTest}) within 0.1 of the reference. */
  @Test
  void f16LogitsStayWithinATenthOfTheFloat64Reference() {
    SplittableRandom rnd = new SplittableRandom(5);
    int[] ids = new int[24];
    ids[0] = 1;
    for (int i = 1; i < ids.length; i++) ids[i] = rnd.nextInt(4, VOCAB);
    double[][] expected = referenceLogits(ids);
    int[] all = new int[VOCAB];
    Arrays.setAll(all, i -> i);
    List<int[]> prefixes = new ArrayList<>();
    for (int k = 1; k <= ids.length; k++) prefixes.add(Arrays.copyOf(ids, k));
    EngineOptions f16 =
        EngineOptions.builder().optDevice(DevicePrecisionTest.DEVICE).optDType("f16").build();
    try (TransformerLm lm = Models.load(dir, f16)) {
      float[][] got = lm.lastPositionLogits(prefixes, all);
      double worst = 0;
      for (int t = 0; t < ids.length; t++) {
        for (int v = 0; v < VOCAB; v++) {
          worst = Math.max(worst, Math.abs(expected[t][v] - got[t][v]));
        }
      }
      System.out.printf("gemma f16: max |logit - float64 reference| = %.2e%n", worst);
      assertTrue(worst < 0.1, "max |logit difference| " + worst);
    }
  }

  // ---- the float64 reference: Hugging Face's GemmaForCausalLM, eager attention, in loops ----

  private static double[][] referenceLogits(int[] ids) {
    int t = ids.length;
    float[] embed = tensors.get("model.embed_tokens.weight");
    double[][] x = new double[t][D];
    double normalizer = (float) Math.sqrt(D);
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < D; j++) x[i][j] = embed[ids[i] * D + j] * normalizer;
    }
    for (int l = 0; l < LAYERS; l++) {
      String p = "model.layers." + l + ".";
      double[][] a = rmsNorm(x, tensors.get(p + "input_layernorm.weight"));
      double[][] q = project(a, tensors.get(p + "self_attn.q_proj.weight"), HEADS * HD);
      double[][] k = project(a, tensors.get(p + "self_attn.k_proj.weight"), KV * HD);
      double[][] v = project(a, tensors.get(p + "self_attn.v_proj.weight"), KV * HD);
      rope(q, HEADS);
      rope(k, KV);
      double[][] attended = new double[t][HEADS * HD];
      for (int h = 0; h < HEADS; h++) {
        int kvh = h / (HEADS / KV);
        for (int i = 0; i < t; i++) {
          double[] s = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double dot = 0;
            for (int c = 0; c < HD; c++) dot += q[i][h * HD + c] * k[j][kvh * HD + c];
            s[j] = dot / Math.sqrt(HD);
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
          for (int j = 0; j <= i; j++) {
            for (int c = 0; c < HD; c++) attended[i][h * HD + c] += s[j] / sum * v[j][kvh * HD + c];
          }
        }
      }
      add(x, project(attended, tensors.get(p + "self_attn.o_proj.weight"), D));
      double[][] m = rmsNorm(x, tensors.get(p + "post_attention_layernorm.weight"));
      double[][] gate = project(m, tensors.get(p + "mlp.gate_proj.weight"), INTER);
      double[][] up = project(m, tensors.get(p + "mlp.up_proj.weight"), INTER);
      for (int i = 0; i < t; i++) {
        for (int c = 0; c < INTER; c++) {
          double g = gate[i][c];
          double gelu =
              0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g * g * g)));
          gate[i][c] = gelu * up[i][c];
        }
      }
      add(x, project(gate, tensors.get(p + "mlp.down_proj.weight"), D));
    }
    return project(rmsNorm(x, tensors.get("model.norm.weight")), embed, VOCAB); // tied head
  }

  /** x / sqrt(mean(x^2) + eps) * (1 + w). */
  private static double[][] rmsNorm(double[][] x, float[] w) {
    double[][] out = new double[x.length][D];
    for (int i = 0; i < x.length; i++) {
      double ms = 0;
      for (double v : x[i]) ms += v * v;
      double inv = 1 / Math.sqrt(ms / D + EPS);
      for (int j = 0; j < D; j++) out[i][j] = x[i][j] * inv * (1.0 + w[j]);
    }
    return out;
  }

  /** x W^T for an nn.Linear weight W stored [out, in]. */
  private static double[][] project(double[][] x, float[] w, int out) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int c = 0; c < in; c++) s += x[i][c] * w[o * in + c];
        y[i][o] = s;
      }
    }
    return y;
  }

  /** rotate_half RoPE on each head: pairs (c, c + HD/2) turn by position * 10000^(-2c/HD). */
  private static void rope(double[][] x, int heads) {
    for (int pos = 0; pos < x.length; pos++) {
      for (int h = 0; h < heads; h++) {
        for (int c = 0; c < HD / 2; c++) {
          double angle = pos * Math.pow(10000.0, -2.0 * c / HD);
          int i1 = h * HD + c;
          int i2 = i1 + HD / 2;
          double a = x[pos][i1];
          double b = x[pos][i2];
          x[pos][i1] = a * Math.cos(angle) - b * Math.sin(angle);
          x[pos][i2] = b * Math.cos(angle) + a * Math.sin(angle);
        }
      }
    }
  }

  private static void add(double[][] x, double[][] y) {
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < D; j++) x[i][j] += y[i][j];
    }
  }
}
