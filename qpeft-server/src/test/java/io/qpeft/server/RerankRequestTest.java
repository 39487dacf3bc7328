package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Passage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RerankRequestTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Limits LIMITS = new Limits(10_000, 3, 20, 0);

  private static RerankRequest parse(String json) {
    return parse(json, LIMITS);
  }

  private static RerankRequest parse(String json, Limits limits) {
    return RerankRequest.parse(
        MAPPER, json.getBytes(StandardCharsets.UTF_8), limits, s -> s.split(" ").length);
  }

  private static ApiException error(String json) {
    return assertThrows(ApiException.class, () -> parse(json));
  }

  @Test
  void stringAndObjectDocuments() {
    RerankRequest r =
        parse(
            "{\"model\":\"m\",\"query\":\"q\",\"documents\":[\"a\",{\"text\":\"b\",\"title\":\"t\"}],"
                + "\"top_n\":1,\"return_documents\":true,\"rank_fields\":[\"x\"]}");
    assertEquals("m", r.model());
    assertEquals("q", r.query());
    assertEquals(new Passage("0", "", "a"), r.passages().get(0));
    assertEquals(new Passage("1", "t", "b"), r.passages().get(1));
    assertEquals(1, r.topN());
    assertTrue(r.returnDocuments());
  }

  @Test
  void defaults() {
    RerankRequest r = parse("{\"query\":\"q\",\"documents\":[],\"top_n\":null}");
    assertNull(r.model());
    assertEquals(0, r.topN());
    assertFalse(r.returnDocuments());
  }

  @Test
  void malformedJsonNamesThePosition() {
    ApiException e = error("{\"query\": \"q\", \"documents\": [\"a\",]");
    assertEquals(400, e.status);
    assertTrue(e.getMessage().startsWith("malformed JSON"), e.getMessage());
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    assertEquals(400, error("").status);
    assertEquals("request body must be a JSON object", error("[1]").getMessage());
  }

  @Test
  void wrongFieldsAreNamed() {
    assertEquals("query", error("{\"documents\":[\"a\"]}").field);
    assertEquals("query", error("{\"query\":\"  \",\"documents\":[\"a\"]}").field);
    ApiException e = error("{\"query\":3,\"documents\":[\"a\"]}");
    assertEquals("field 'query' must be a non-empty string, got a number (3)", e.getMessage());
    assertEquals("documents", error("{\"query\":\"q\"}").field);
    assertEquals("documents", error("{\"query\":\"q\",\"documents\":\"a\"}").field);
    assertEquals("documents[1]", error("{\"query\":\"q\",\"documents\":[\"a\",5]}").field);
    assertEquals(
        "documents[0].text", error("{\"query\":\"q\",\"documents\":[{\"title\":\"t\"}]}").field);
    assertEquals(
        "documents[0].title",
        error("{\"query\":\"q\",\"documents\":[{\"text\":\"a\",\"title\":[]}]}").field);
    assertEquals("top_n", error("{\"query\":\"q\",\"documents\":[],\"top_n\":0}").field);
    assertEquals("top_n", error("{\"query\":\"q\",\"documents\":[],\"top_n\":1.5}").field);
    assertEquals(
        "return_documents",
        error("{\"query\":\"q\",\"documents\":[],\"return_documents\":1}").field);
    assertEquals("model", error("{\"model\":1,\"query\":\"q\",\"documents\":[]}").field);
  }

  @Test
  void limitsAnswer413WithLimitAndValue() {
    ApiException many = error("{\"query\":\"q\",\"documents\":[\"a\",\"b\",\"c\",\"d\"]}");
    assertEquals(413, many.status);
    assertEquals("documents", many.field);
    assertEquals(3L, many.limit);
    assertEquals(4L, many.value);
    ApiException longDoc =
        error(
            "{\"query\":\"q\",\"documents\":[\"a\",{\"title\":\"0123456789\",\"text\":\"0123456789x\"}]}");
    assertEquals(413, longDoc.status);
    assertEquals("documents[1]", longDoc.field);
    assertEquals(
        "documents[1] has 21 characters, the limit (--max-document-chars) is 20",
        longDoc.getMessage());
    ApiException tokens =
        assertThrows(
            ApiException.class,
            () ->
                parse(
                    "{\"query\":\"q\",\"documents\":[\"a b\",\"a b c\"]}",
                    new Limits(1000, 9, 99, 2)));
    assertEquals("documents[1]", tokens.field);
    assertEquals(2L, tokens.limit);
    assertEquals(3L, tokens.value);
  }
}
