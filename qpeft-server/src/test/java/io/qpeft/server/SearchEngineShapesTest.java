package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request bodies that the Elasticsearch {@code custom} inference service and the OpenSearch
 * Cohere-rerank connector build from the templates in docs/integrations.md, sent to a real server:
 * both are accepted, and the answer's {@code $.results[*].index} and {@code
 * $.results[*].relevance_score} cover every document. (Elasticsearch and OpenSearch themselves are
 * not run here.)
 */
class SearchEngineShapesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String QUERY_TEXT = "who designed the \"eiffel\" tower";
  static final List<String> DOCUMENTS =
      List.of(
          "The Nile flows north.",
          "Gustave Eiffel's company built the tower.",
          "A tower of books.");

  @Test
  void elasticsearchCustomServiceAndOpenSearchConnectorBodies() throws Exception {
    try (RerankServer server =
        RerankServer.builder()
            .setReranker(new OverlapReranker())
            .optPort(0)
            .optBearerToken("tok")
            .build()
            .start()) {
      String query = JSON.writeValueAsString(QUERY_TEXT); // a JSON string, quotes escaped
      String docs = JSON.writeValueAsString(DOCUMENTS); // a JSON array of strings
      // Elasticsearch: "{\"query\": ${query}, \"documents\": ${input}}", JSON-encoded values
      String es = "{\"query\": " + query + ", \"documents\": " + docs + "}";
      // OpenSearch (Cohere tutorial's request_body): model and top_n = number of documents
      String os =
          "{ \"documents\": "
              + docs
              + ", \"query\": "
              + query
              + ", \"model\": \"qpeft\", \"top_n\": 3 }";
      for (String body : List.of(es, os)) {
        HttpResponse<String> r =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/v1/rerank"))
                        .header("Authorization", "Bearer tok")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode results = JSON.readTree(r.body()).get("results");
        List<Integer> indexes = new ArrayList<>();
        for (JsonNode n : results) {
          indexes.add(n.get("index").asInt());
          assertEquals(true, n.get("relevance_score").isNumber(), n.toString());
        }
        // word overlap with the query: document 1 shares 3 words, 0 and 2 one each (input order)
        assertEquals(List.of(1, 0, 2), indexes, r.body());
      }
    }
  }
}
