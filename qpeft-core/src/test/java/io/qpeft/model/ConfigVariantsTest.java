package io.qpeft.model;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.Fixtures;
import io.qpeft.model.blocks.AttentionMasks;
import io.qpeft.model.blocks.Rope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Config variants the fixtures do not ship: Mistral/Phi-3 sliding windows, {@code rope_parameters},
 * longrope, refused rope types, and the window mask and scaled frequencies themselves.
 */
class ConfigVariantsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A copy of fixture {@code model} whose config.json {@code edit} changes. */
  static Path variant(String model, Path dir, Consumer<ObjectNode> edit) throws IOException {
    try (Stream<Path> files = Files.list(Fixtures.model(model))) {
      for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
    }
    Path config = dir.resolve("config.json");
    ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
    edit.accept(c);
    Files.writeString(config, JSON.writeValueAsString(c));
    return dir;
  }

  private static List<ScoreRequest> goldenRequests(JsonNode golden, List<JsonNode> cases) {
    List<ScoreRequest> requests = new ArrayList<>();
    for (JsonNode c : golden.get("logprob_cases")) {
      requests.add(new ScoreRequest(ints(c.get("prompt_ids")), ints(c.get("target_ids"))));
      cases.add(c);
    }
    return requests;
  }

  /**
   * tiny-llama as Mistral with an 8-token window: sequences that fit in the window keep the golden
   * values, longer ones change (the window is in force), and batched equals one by one.
   */
  @Test
  void mistralSlidingWindowAppliesToEveryLayer(@TempDir Path dir) throws IOException {
    Path m =
        variant(
            "tiny-llama",
            dir,
            c -> {
              c.put("model_type", "mistral");
              c.put("sliding_window", 8);
            });
    assertEquals(8, HfConfig.read(m).attentionWindow(1));
    assertWindowInForce(m, "tiny-llama", 8);
  }

  /** Phi-3 applies {@code sliding_window} on every layer too (current transformers). */
  @Test
  void phi3SlidingWindowAppliesToEveryLayer(@TempDir Path dir) throws IOException {
    Path m = variant("tiny-phi3", dir, c -> c.put("sliding_window", 8));
    assertWindowInForce(m, "tiny-phi3", 8);
  }

  private static void assertWindowInForce(Path model, String goldenName, int window) {
    JsonNode golden = Fixtures.golden(goldenName);
    List<JsonNode> cases = new ArrayList<>();
    List<ScoreRequest> requests = goldenRequests(golden, cases);
    try (TransformerLm lm = Models.load(model)) {
      List<TargetScore> batched = lm.score(requests);
      int inside = 0;
      int changed = 0;
      for (int i = 0; i < requests.size(); i++) {
        TargetScore single = lm.score(List.of(requests.get(i))).get(0);
        assertArrayEquals(single.targetLogprobs(), batched.get(i).targetLogprobs(), 2e-5f);
        JsonNode expected = cases.get(i).get("target_logprobs");
        // target token k is predicted from row p + k - 1, which sees rows up to itself
        int p = requests.get(i).promptIds().length;
        double maxDiff = 0;
        for (int k = 0; k < expected.size(); k++) {
          double diff = Math.abs(expected.get(k).asDouble() - single.targetLogprobs()[k]);
          if (p + k <= window) {
            assertEquals(0, diff, 1e-4, cases.get(i).get("name") + " token " + k);
            inside++;
          }
          maxDiff = Math.max(maxDiff, diff);
        }
        if (maxDiff > 1e-2) changed++;
      }
      assertTrue(inside > 0 && changed > 0, "inside " + inside + ", changed " + changed);
    }
  }

  @Test
  void windowMaskSeesAtMostWindowKeys() {
    try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
      float[] mask = AttentionMasks.create(m, 5, 2).toFloatArray();
      float inf = Float.NEGATIVE_INFINITY;
      float[] expected = {
        0, inf, inf, inf, inf, 0, 0, inf, inf, inf, inf, 0, 0, inf, inf, inf, inf, 0, 0, inf, inf,
        inf, inf, 0, 0
      };
      assertArrayEquals(expected, mask);
      assertArrayEquals(
          AttentionMasks.create(m, 5, 0).toFloatArray(),
          new AttentionMasks(m, 5, HfConfig.read(Fixtures.model("tiny-gemma2")))
              .forWindow(16)
              .toFloatArray()); // a window longer than the sequence is no window
    }
  }

  /** Llama 3 scaling written the newer way, under rope_parameters with rope_theta: same numbers. */
  @Test
  void ropeParametersBlockEqualsRopeScaling(@TempDir Path dir) throws IOException {
    Path m =
        variant(
            "tiny-llama3",
            dir,
            c -> {
              ObjectNode params = (ObjectNode) c.remove("rope_scaling");
              params.set("rope_theta", c.remove("rope_theta"));
              c.set("rope_parameters", params);
            });
    JsonNode golden = Fixtures.golden("tiny-llama3");
    List<JsonNode> cases = new ArrayList<>();
    List<ScoreRequest> requests = goldenRequests(golden, cases);
    try (TransformerLm lm = Models.load(m)) {
      List<TargetScore> got = lm.score(requests);
      for (int i = 0; i < requests.size(); i++) {
        GoldenLogprobTest.assertMatches(cases.get(i), got.get(i));
      }
    }
  }

  /**
   * tiny-llama3's per-head frequencies, from the Llama 3 rule written out independently: one kept,
   * one interpolated, six divided by the factor (README of the fixtures).
   */
  @Test
  void llama3FrequenciesFollowTheRule() {
    ModelConfig c = HfConfig.read(Fixtures.model("tiny-llama3"));
    double[] f = new Rope(c).inverseFrequencies();
    assertEquals(8, f.length);
    int kept = 0;
    int divided = 0;
    int smoothed = 0;
    for (int i = 0; i < f.length; i++) {
      double plain = 1 / Math.pow(500000.0, 2.0 * i / 16);
      double wavelen = 2 * Math.PI / plain;
      if (wavelen < 64 / 4.0) {
        assertEquals(plain, f[i], 1e-15);
        kept++;
      } else if (wavelen > 64 / 1.0) {
        assertEquals(plain / 8, f[i], 1e-15);
        divided++;
      } else {
        double s = (64 / wavelen - 1) / (4 - 1);
        assertEquals((1 - s) * plain / 8 + s * plain, f[i], 1e-15);
        smoothed++;
      }
    }
    assertEquals(List.of(1, 1, 6), List.of(kept, smoothed, divided));
  }

  @Test
  void otherRopeTypesAreRefusedListingTheSupportedOnes(@TempDir Path dir) throws IOException {
    Path m =
        variant(
            "tiny-llama3", dir, c -> ((ObjectNode) c.get("rope_scaling")).put("rope_type", "yarn"));
    UnsupportedOperationException e =
        assertThrows(UnsupportedOperationException.class, () -> Models.load(m));
    assertTrue(
        e.getMessage().contains("'yarn'")
            && e.getMessage().contains("llama3")
            && e.getMessage().contains("config.json"),
        e.getMessage());
  }

  /**
   * Longrope with unit short factors and no context extension is plain partial RoPE: tiny-phi3's
   * golden numbers; a longer context limit check refuses sequences past the original length.
   */
  @Test
  void longropeWithUnitFactorsIsPlainRopeAndLimitsLength(@TempDir Path dir) throws IOException {
    Path m =
        variant(
            "tiny-phi3",
            dir,
            c -> {
              ObjectNode s = c.putObject("rope_scaling");
              s.put("type", "longrope");
              var shortFactor = s.putArray("short_factor");
              var longFactor = s.putArray("long_factor");
              for (int i = 0; i < 6; i++) { // rotary dim 12: 6 frequencies
                shortFactor.add(1.0);
                longFactor.add(4.0);
              }
              c.put("original_max_position_embeddings", 4096);
              c.put("max_position_embeddings", 4096);
            });
    JsonNode golden = Fixtures.golden("tiny-phi3");
    List<JsonNode> cases = new ArrayList<>();
    List<ScoreRequest> requests = goldenRequests(golden, cases);
    try (TransformerLm lm = Models.load(m)) {
      assertEquals(4096, lm.maxSequenceLength());
      List<TargetScore> got = lm.score(requests);
      for (int i = 0; i < requests.size(); i++) {
        GoldenLogprobTest.assertMatches(cases.get(i), got.get(i));
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> lm.score(List.of(new ScoreRequest(new int[5000], new int[] {2}))));
      assertTrue(e.getMessage().contains("original_max_position_embeddings"), e.getMessage());
    }
  }

  /**
   * Phi-3.5/Phi-4-mini style: context extended 32x, so cos/sin scale by sqrt(1 + ln 32/ln 4096).
   */
  @Test
  void longropeAttentionFactorFromTheContextExtension(@TempDir Path dir) throws IOException {
    Path m =
        variant(
            "tiny-phi3",
            dir,
            c -> {
              ObjectNode s = c.putObject("rope_scaling");
              s.put("type", "longrope");
              var shortFactor = s.putArray("short_factor");
              var longFactor = s.putArray("long_factor");
              for (int i = 0; i < 6; i++) {
                shortFactor.add(1.0 + i);
                longFactor.add(4.0);
              }
              c.put("max_position_embeddings", 131072);
            });
    ModelConfig c = HfConfig.read(m);
    assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), c.ropeScaling().attentionFactor());
    double[] f = new Rope(c).inverseFrequencies();
    for (int i = 0; i < 6; i++) {
      assertEquals(1 / ((1.0 + i) * Math.pow(10000, 2.0 * i / 12)), f[i], 1e-15);
    }
  }
}
