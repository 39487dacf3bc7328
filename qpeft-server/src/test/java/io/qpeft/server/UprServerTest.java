package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
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
  static final Path TINY_LLAMA =
      Path.of("../qpeft-core/src/test/resources/fixtures/models/tiny-llama");

  @Test
  void concurrentBatchedAnswersEqualOfflineRerank() throws Exception {
    List<LoadBenchmark.Item> items = LoadBenchmark.synthetic(4, 5, 12, 7);
    items = new ArrayList<>(items);
    items.set(
        0,
        new LoadBenchmark.Item(
            new Query("t", "where is paris"),
            List.of(
                new Passage("0", "France", "paris is the capital"),
                new Passage("1", "", "rivers"))));
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
      for (LoadBenchmark.Item item : items) {
        answers.add(
            RerankServerTest.postAsync(
                server,
                new String(LoadBenchmark.body(item), java.nio.charset.StandardCharsets.UTF_8)));
      }
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
}
