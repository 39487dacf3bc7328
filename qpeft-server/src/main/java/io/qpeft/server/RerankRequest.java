package io.qpeft.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Passage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A parsed {@code POST /v1/rerank} body in the Cohere/Jina shape: {@code {model?, query, documents:
 * [string | {text, title?}], top_n?, return_documents?}}, or a {@code POST /rerank} body in the
 * text-embeddings-inference shape {@code {query, texts: [string], return_text?}}. Unknown fields
 * are ignored, as Cohere clients send options we do not use ({@code rank_fields}, {@code
 * max_chunks_per_doc}).
 *
 * @param model the model the client asked for, or null
 * @param passages the documents, with their input position as docid
 * @param topN how many results to return; 0 means all
 */
record RerankRequest(
    String model, String query, List<Passage> passages, int topN, boolean returnDocuments) {

  RerankRequest {
    passages = List.copyOf(passages);
  }

  /**
   * Parses and validates a request body. Throws {@link ApiException} 400 naming the field for
   * malformed JSON or wrong types, 413 naming the limit for too many or too long documents.
   *
   * @param tokenCounter counts the tokens of a document, used when {@code
   *     limits.maxDocumentTokens() > 0}
   */
  static RerankRequest parse(
      ObjectMapper mapper, byte[] body, Limits limits, ToIntFunction<String> tokenCounter) {
    return parse(mapper, body, limits, tokenCounter, Shape.COHERE);
  }

  /**
   * The request shapes served: Cohere/Jina ({@code documents}, {@code top_n}, {@code
   * return_documents}) and Hugging Face text-embeddings-inference ({@code texts}, {@code
   * return_text}; its {@code raw_scores} and {@code truncate} are ignored).
   */
  enum Shape {
    COHERE("documents", "return_documents"),
    TEI("texts", "return_text");

    final String documents;
    final String returnDocuments;

    Shape(String documents, String returnDocuments) {
      this.documents = documents;
      this.returnDocuments = returnDocuments;
    }
  }

  static RerankRequest parse(
      ObjectMapper mapper,
      byte[] body,
      Limits limits,
      ToIntFunction<String> tokenCounter,
      Shape shape) {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          null, "malformed JSON: " + e.getOriginalMessage() + locationOf(e));
    } catch (java.io.IOException e) {
      throw ApiException.badRequest(null, "unreadable request body: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest(null, "request body must be a JSON object");
    }
    String model = optionalString(root, "model");
    JsonNode queryNode = root.get("query");
    if (queryNode == null || queryNode.isNull()) {
      throw ApiException.badRequest("query", "missing field 'query' (a non-empty string)");
    }
    if (!queryNode.isTextual() || queryNode.asText().isBlank()) {
      throw ApiException.badRequest(
          "query", "field 'query' must be a non-empty string, got " + describe(queryNode));
    }
    List<Passage> passages =
        documents(root.get(shape.documents), shape.documents, limits, tokenCounter);
    int topN = 0;
    JsonNode topNode = shape == Shape.COHERE ? root.get("top_n") : null;
    if (topNode != null && !topNode.isNull()) {
      if (!topNode.isIntegralNumber() || !topNode.canConvertToInt() || topNode.asInt() < 1) {
        throw ApiException.badRequest(
            "top_n", "field 'top_n' must be a positive integer, got " + describe(topNode));
      }
      topN = topNode.asInt();
    }
    boolean returnDocuments = false;
    JsonNode returnNode = root.get(shape.returnDocuments);
    if (returnNode != null && !returnNode.isNull()) {
      if (!returnNode.isBoolean()) {
        throw ApiException.badRequest(
            shape.returnDocuments,
            "field '"
                + shape.returnDocuments
                + "' must be true or false, got "
                + describe(returnNode));
      }
      returnDocuments = returnNode.asBoolean();
    }
    return new RerankRequest(model, queryNode.asText(), passages, topN, returnDocuments);
  }

  private static List<Passage> documents(
      JsonNode node, String name, Limits limits, ToIntFunction<String> tokenCounter) {
    if (node == null || node.isNull()) {
      throw ApiException.badRequest(
          name, "missing field '" + name + "' (an array of strings or {text, title?} objects)");
    }
    if (!node.isArray()) {
      throw ApiException.badRequest(
          name, "field '" + name + "' must be an array, got " + describe(node));
    }
    if (node.size() > limits.maxDocuments()) {
      throw ApiException.tooLarge(
          name,
          "too many documents: "
              + node.size()
              + ", the limit (--max-documents) is "
              + limits.maxDocuments(),
          limits.maxDocuments(),
          node.size());
    }
    List<Passage> out = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      String field = name + "[" + i + "]";
      JsonNode doc = node.get(i);
      String title = "";
      String text;
      if (doc.isTextual()) {
        text = doc.asText();
      } else if (doc.isObject()) {
        JsonNode textNode = doc.get("text");
        if (textNode == null || !textNode.isTextual()) {
          throw ApiException.badRequest(
              field + ".text",
              "field '" + field + ".text' must be a string, got " + describe(textNode));
        }
        text = textNode.asText();
        String t = optionalString(doc, "title", field + ".title");
        title = t == null ? "" : t;
      } else {
        throw ApiException.badRequest(
            field,
            "field '"
                + field
                + "' must be a string or an object {text, title?}, got "
                + describe(doc));
      }
      int chars = title.length() + text.length();
      if (chars > limits.maxDocumentChars()) {
        throw ApiException.tooLarge(
            field,
            field
                + " has "
                + chars
                + " characters, the limit (--max-document-chars) is "
                + limits.maxDocumentChars(),
            limits.maxDocumentChars(),
            chars);
      }
      if (limits.maxDocumentTokens() > 0) {
        int tokens = tokenCounter.applyAsInt(title.isEmpty() ? text : title + " " + text);
        if (tokens > limits.maxDocumentTokens()) {
          throw ApiException.tooLarge(
              field,
              field
                  + " has "
                  + tokens
                  + " tokens, the limit (--max-document-tokens) is "
                  + limits.maxDocumentTokens(),
              limits.maxDocumentTokens(),
              tokens);
        }
      }
      out.add(new Passage(Integer.toString(i), title, text));
    }
    return out;
  }

  private static String optionalString(JsonNode parent, String name) {
    return optionalString(parent, name, name);
  }

  private static String optionalString(JsonNode parent, String name, String field) {
    JsonNode node = parent.get(name);
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) {
      throw ApiException.badRequest(
          field, "field '" + field + "' must be a string, got " + describe(node));
    }
    return node.asText();
  }

  /** A short description of a JSON value's type for error messages. */
  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) return "nothing";
    if (node.isNull()) return "null";
    if (node.isTextual()) return node.asText().isBlank() ? "an empty string" : "a string";
    if (node.isBoolean()) return "a boolean (" + node.asText() + ")";
    if (node.isNumber()) return "a number (" + node.asText() + ")";
    if (node.isArray()) return "an array";
    return "an object";
  }

  private static String locationOf(JsonProcessingException e) {
    var loc = e.getLocation();
    if (loc == null || loc.getLineNr() < 0) return "";
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }
}
