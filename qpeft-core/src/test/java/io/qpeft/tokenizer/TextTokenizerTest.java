package io.qpeft.tokenizer;

import static io.qpeft.Fixtures.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encodings against those of the Rust HF tokenizers library
 * (fixtures/tokenizer/tokenizer_cases.json).
 */
class TextTokenizerTest {

  @Test
  void encodesLikeTheReferenceWithoutTruncation() throws Exception {
    Path dir = Fixtures.file("tokenizer");
    JsonNode cases =
        new ObjectMapper().readTree(dir.resolve("tokenizer_cases.json").toFile()).get("cases");
    int longest = 0;
    try (TextTokenizer tok = TextTokenizer.load(dir)) {
      for (JsonNode c : cases) {
        String text = c.get("text").asText();
        int[] ids = tok.encode(text);
        assertArrayEquals(ints(c.get("ids")), ids, text);
        assertArrayEquals(
            ints(c.get("ids_add_special_tokens")), tok.encodeWithSpecialTokens(text), text);
        assertEquals(c.get("decoded").asText(), tok.decode(ids), text);
        longest = Math.max(longest, ids.length);
      }
    }
    assertTrue(
        longest > 512, "the cases include one longer than DJL's default 512-token truncation");
  }

  @Test
  void missingTokenizerNamesTheFile(@TempDir Path dir) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(dir));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }
}
