package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.rerank.Scored;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server over the real UPR reranker and the tiny Llama fixture: answers equal offline ones. */
class UprServerTest {
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  @Test
  void concurrentBatchedAnswersEqualOfflineRerank() throws Exception {
    List<Item> items =
        List.of(
            new Item(
                new Query("t", "where is paris"),
                List.of(
                    new Passage("0", "France", "paris is the capital"),
                    new Passage("1", "", "rivers"))),
            new Item(
                new Query("a", "river music history"),
                List.of(
                    new Passage("0", "", "the river flows north through the city"),
                    new Passage("1", "", "music of the early empire"),
                    new Passage("2", "", "a history of rivers and music"),
                    new Passage("3", "", "tokyo station"),
                    new Passage("4", "", "the league season"))),
            new Item(
                new Query("b", "capital of france"),
                List.of(
                    new Passage("0", "", "berlin is a capital"),
                    new Passage("1", "Paris", "the capital of france"),
                    new Passage("2", "", "the alps and the sahara"))),
            new Item(
                new Query("c", "who won the war"),
                List.of(
                    new Passage("0", "", "the king won the war"),
                    new Passage("1", "", "a film about a team"),
                    new Passage("2", "", "species of the pacific"),
                    new Passage("3", "", "the war of the roman empire"))));
    try (LanguageModel model = Models.load(TINY_LLAMA);
        TextTokenizer tokenizer = TextTokenizer.load(TINY_LLAMA);
        UprReranker reranker =
            UprReranker.builder().setModel(model).setTokenizer(tokenizer).build();
        RerankServer server =
            RerankServer.builder()
                .setReranker(reranker)
                .optPort(0)
                .optCloseReranker(false)
                .optBatchPolicy(new BatchPolicy(8, 512, 50, 16))
                .build()
                .start()) {
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (Item item : items) answers.add(RerankServerTest.postAsync(server, body(item)));
      for (int i = 0; i < items.size(); i++) {
        JsonNode results =
            RerankServerTest.json(answers.get(i).get(60, TimeUnit.SECONDS)).get("results");
        List<Scored> offline = reranker.rerank(items.get(i).query(), items.get(i).passages(), 0);
        assertEquals(offline.size(), results.size());
        for (int j = 0; j < offline.size(); j++) {
          assertEquals(offline.get(j).index(), results.get(j).get("index").asInt());
          // float32 sums may round differently when batching changes a forward pass's padding
          assertEquals(
              offline.get(j).score(), results.get(j).get("relevance_score").asDouble(), 1e-5);
        }
      }
      server.stop(Duration.ofSeconds(10));
    }
  }

  /** A request: a query and its documents. */
  private record Item(Query query, List<Passage> passages) {}

  /** The {@code /v1/rerank} body of an item: plain strings, or objects when there is a title. */
  private static String body(Item item) {
    ObjectNode root = RerankServerTest.MAPPER.createObjectNode();
    root.put("query", item.query().text());
    ArrayNode docs = root.putArray("documents");
    for (Passage p : item.passages()) {
      if (p.title().isEmpty()) docs.add(p.text());
      else docs.addObject().put("text", p.text()).put("title", p.title());
    }
    return root.toString();
  }
}
