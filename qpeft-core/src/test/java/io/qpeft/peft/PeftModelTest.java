package io.qpeft.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftModelTest {
  static TransformerLm lm;
  static TextTokenizer tok;

  @BeforeAll
  static void load() {
    lm = Models.load(Fixtures.model("tiny-llama"));
    tok = TextTokenizer.load(Fixtures.model("tiny-llama"));
  }

  @AfterAll
  static void close() {
    lm.close();
    tok.close();
  }

  /**
   * The layout equals the golden Q-PEFT case built by the independent reference
   * (seg_00_qpeft_layout).
   */
  @Test
  void layoutMatchesTheGoldenQpeftCase() {
    JsonNode c = null;
    for (JsonNode n : Fixtures.golden("tiny-llama").get("segment_cases")) {
      if (n.get("name").asText().equals("seg_00_qpeft_layout")) c = n;
    }
    String part1 = c.get("prompt_text_parts").get(0).asText();
    String passage = part1.substring("Passage: ".length(), part1.length() - "\nhints:".length());
    String query = c.get("target_text").asText().substring(1);
    PeftConfig cfg = PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(3).build();
    PeftModel m = new PeftModel(lm, tok, cfg, PeftModel.initialParameters(lm, tok, cfg, 1));
    PeftModel.Prepared p = m.prepare(new Query("q", query), new Passage("d", passage));
    assertArrayEquals(Fixtures.ints(c.get("prompt_ids")), p.request().promptIds());
    assertArrayEquals(Fixtures.ints(c.get("target_ids")), p.request().targetIds());
    assertEquals(1, p.request().softSegments().get(0).position());
    assertEquals(1 + tok.encode(part1).length, p.request().softSegments().get(1).position());
    assertEquals(3, p.hintCount());
  }

  @Test
  void passageIsCutToTheBudgetButTheQueryIsNot() {
    PeftConfig cfg = PeftConfig.builder().setVariant(Variant.ATTENTION).optMaxTokens(60).build();
    PeftModel m = new PeftModel(lm, tok, cfg, PeftModel.initialParameters(lm, tok, cfg, 1));
    String longText = "word ".repeat(200);
    PeftModel.Prepared p = m.prepare(new Query("q", "a short query"), new Passage("d", longText));
    assertEquals(60, p.request().length());
    String longQuery = "question ".repeat(80);
    PeftModel.Prepared q = m.prepare(new Query("q", longQuery), new Passage("d", longText));
    assertEquals(tok.encode(" " + longQuery).length + 2, q.request().targetIds().length);
  }

  /** Top-k: distinct, special tokens / stop words / punctuation removed, exact matches first. */
  @Test
  void retrievalSelectsDistinctAllowedTokensBestFirst() {
    PeftConfig cfg = PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(4).build();
    RetrievalModule r = new RetrievalModule(lm, new TokenFilter(tok, lm.config()), cfg, null);
    int[] q = tok.encode(" river city");
    int[] p =
        PeftModel.concat(
            new int[] {1}, tok.encode(" the city, the city and the river ... of"), new int[] {2});
    int[] sel = r.select(q, p);
    assertEquals(Arrays.stream(sel).distinct().count(), sel.length);
    TokenFilter f = new TokenFilter(tok, lm.config());
    for (int id : sel)
      assertTrue(f.allowed(id, true, true), "token " + id + " '" + f.text(id) + "'");
    assertTrue(sel.length <= 4);
    // a query token that occurs in the passage has cosine 1 and comes first
    assertTrue(
        Arrays.stream(q).anyMatch(id -> id == sel[0]),
        "first hint " + f.text(sel[0]) + " is not a query token");
  }

  /**
   * With the similarity floor at 1 only the query's own tokens become hints, in passage order: the
   * hints the textual-hints baseline writes; without it the top-k is filled with near tokens.
   */
  @Test
  void similarityFloorKeepsTheQuerysOwnTokensOnly() {
    int[] q = tok.encode(" river city");
    int[] p =
        PeftModel.concat(
            new int[] {1},
            tok.encode(" the city, a bridge and the river near town"),
            new int[] {2});
    PeftConfig plain = PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(8).build();
    PeftConfig exact = plain.toBuilder().optMinSimilarity(1).build();
    TokenFilter f = new TokenFilter(tok, lm.config());
    int[] any = new RetrievalModule(lm, f, plain, null).select(q, p);
    int[] own = new RetrievalModule(lm, f, exact, null).select(q, p);
    int[] inPassageOrder =
        Arrays.stream(p)
            .filter(id -> Arrays.stream(q).anyMatch(x -> x == id) && f.allowed(id, true, true))
            .distinct()
            .toArray();
    assertTrue(inPassageOrder.length > 0, "no query token occurs in the passage");
    assertArrayEquals(inPassageOrder, own);
    assertTrue(
        any.length > own.length,
        "the plain top-k fills up with near tokens: "
            + Arrays.stream(any).mapToObj(f::text).toList()
            + " passage "
            + Arrays.stream(p).mapToObj(f::text).toList());
  }

  @Test
  void adapterRoundTripsBitForBit(@TempDir Path dir) {
    PeftConfig cfg = PeftConfig.defaults(Variant.ATTENTION);
    ParameterSet params = PeftModel.initialParameters(lm, tok, cfg, 5);
    BaseModel base = BaseModel.of(lm.config(), Fixtures.model("tiny-llama"));
    Adapter.save(dir, cfg, params, base, null);
    Adapter.Loaded a = Adapter.load(dir);
    assertEquals(cfg, a.config());
    assertEquals(base, a.baseModel());
    assertTrue(params.sameAs(a.parameters()));
    Map<String, Tensor> raw = TensorFile.read(dir.resolve(Adapter.WEIGHTS_FILE));
    assertEquals(params.names(), List.copyOf(raw.keySet()));
  }

  /** Frozen input embedding rows of {@code ids}. */
  private static float[] frozenRows(int[] ids) {
    float[] table = lm.inputEmbeddings().toFloatArray();
    int d = lm.config().hiddenSize();
    float[] out = new float[ids.length * d];
    for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * d, out, i * d, d);
    return out;
  }

  /**
   * With the residual MLP, an untrained Q-PEFT-R's hints are exactly the selected tokens' own
   * embeddings: the hints written as text.
   */
  @Test
  void untrainedResidualRetrievalHintsAreTheSelectedTokens() {
    PeftConfig cfg =
        PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(3).optResidualMlp(true).build();
    PeftModel m = new PeftModel(lm, tok, cfg, PeftModel.initialParameters(lm, tok, cfg, 1));
    PeftModel.Prepared p =
        m.prepare(new Query("q", "river city"), new Passage("d", "the city near the river bank"));
    assertEquals(3, p.hintCount());
    assertArrayEquals(frozenRows(p.input().selected()), m.hintVectors(p), 1e-6f);
  }

  /**
   * Identity projections, sharp cosine scores and the residual MLP: an untrained Q-PEFT-A's hint
   * for a query token the passage holds is (nearly) that token's embedding, and its attention mass
   * sits on that key.
   */
  @Test
  void sharpIdentityAttentionHintsAreTheMatchedTokens() {
    PeftConfig cfg =
        PeftConfig.builder()
            .setVariant(Variant.ATTENTION)
            .optResidualMlp(true)
            .optAttentionInit(AttentionInit.IDENTITY)
            .optAttentionScore(AttentionScore.COSINE)
            .optAttentionTemperature(200)
            .build();
    PeftModel m = new PeftModel(lm, tok, cfg, PeftModel.initialParameters(lm, tok, cfg, 1));
    PeftModel.Prepared p =
        m.prepare(new Query("q", "river"), new Passage("d", "the city near the river bank"));
    int[] q = p.input().queryIds();
    int[] keys = p.input().passageIds();
    float[] hints = m.hintVectors(p);
    float[] a = m.attentionWeights(p);
    int d = lm.config().hiddenSize();
    int checked = 0;
    for (int i = 0; i < q.length; i++) {
      int match = Arrays.stream(keys).boxed().toList().indexOf(q[i]);
      if (match < 0) continue; // a query token the passage lacks attends to its nearest keys
      float[] expected = frozenRows(new int[] {q[i]});
      assertArrayEquals(expected, Arrays.copyOfRange(hints, i * d, (i + 1) * d), 1e-3f);
      for (int h = 0; h < 2; h++) {
        float mass = a[(h * q.length + i) * keys.length + match];
        assertTrue(mass > 0.99, "head " + h + " mass " + mass);
      }
      checked++;
    }
    assertTrue(checked > 0, "no query token occurs in the passage");
  }

  @Test
  void newHyperParametersRoundTripThroughTheAdapterFile(@TempDir Path dir) {
    PeftConfig cfg =
        PeftConfig.builder()
            .setVariant(Variant.ATTENTION)
            .optResidualMlp(true)
            .optAttentionInit(AttentionInit.IDENTITY)
            .optAttentionScore(AttentionScore.COSINE)
            .optAttentionTemperature(12.5)
            .optMinSimilarity(0.75)
            .build();
    ParameterSet params = PeftModel.initialParameters(lm, tok, cfg, 5);
    Adapter.save(dir, cfg, params, BaseModel.of(lm.config(), null), null);
    assertEquals(cfg, Adapter.load(dir).config());
  }
}
