package io.qpeft.rerank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownRerankersTest {
  @TempDir Path tmp;

  @Test
  void recognizesHubIdsOfThePublishedRerankers() {
    assertEquals(
        RerankMethod.QWEN3_RERANKER,
        KnownRerankers.detect("Qwen/Qwen3-Reranker-0.6B", null).orElseThrow().method());
    assertEquals(
        RerankMethod.QWEN3_RERANKER,
        KnownRerankers.detect("qwen/qwen3-reranker-8b@main", null).orElseThrow().method());
    KnownRerankers.Match bge =
        KnownRerankers.detect("BAAI/bge-reranker-v2-gemma", null).orElseThrow();
    assertEquals(RerankMethod.BGE_GEMMA, bge.method());
    assertEquals("the model id", bge.source());
    // other models, and rerankers with another prompt or head, are not guessed at
    for (String other :
        new String[] {
          "HuggingFaceTB/SmolLM2-135M",
          "Qwen/Qwen3-0.6B",
          "BAAI/bge-reranker-v2.5-gemma2-lightweight",
          "BAAI/bge-reranker-v2-m3",
          "tomaarsen/Qwen3-Reranker-0.6B-seq-cls"
        }) {
      assertTrue(KnownRerankers.detect(other, null).isEmpty(), other);
    }
    assertTrue(
        KnownRerankers.detect(Fixtures.model("tiny-qwen3").toString(), Fixtures.model("tiny-qwen3"))
            .isEmpty());
  }

  @Test
  void recognizesTheHubCacheFolderTheFolderNameAndTheConfig() throws IOException {
    Path snapshot =
        Files.createDirectories(
            tmp.resolve("hub/models--Qwen--Qwen3-Reranker-4B/snapshots/0123abcd"));
    KnownRerankers.Match cached =
        KnownRerankers.detect(snapshot.toString(), snapshot).orElseThrow();
    assertEquals(RerankMethod.QWEN3_RERANKER, cached.method());
    assertEquals("Qwen/Qwen3-Reranker-4B", cached.name());
    assertEquals("the hub cache", cached.source());

    Path local = Files.createDirectories(tmp.resolve("bge-reranker-v2-gemma"));
    assertEquals(
        RerankMethod.BGE_GEMMA, KnownRerankers.detect("./x", local).orElseThrow().method());

    Path renamed = Files.createDirectories(tmp.resolve("my-model"));
    Files.writeString(
        renamed.resolve("config.json"),
        "{\"_name_or_path\": \"/data/models/Qwen3-Reranker-0.6B/\", \"model_type\": \"qwen3\"}");
    KnownRerankers.Match configured = KnownRerankers.detect(null, renamed).orElseThrow();
    assertEquals(RerankMethod.QWEN3_RERANKER, configured.method());
    assertEquals("config.json _name_or_path", configured.source());

    Files.writeString(renamed.resolve("config.json"), "{ not json");
    assertTrue(KnownRerankers.detect(null, renamed).isEmpty());
  }
}
