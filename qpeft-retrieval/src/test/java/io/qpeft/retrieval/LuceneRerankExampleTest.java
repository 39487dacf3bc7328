package io.qpeft.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.CorpusReader;
import io.qpeft.data.Passage;
import io.qpeft.data.RecordReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's Lucene example on the shipped BEIR example folder and the tiny model. */
class LuceneRerankExampleTest {
  @Test
  void bm25ThenLlmOnAQpeftIndex(@TempDir Path dir) throws Exception {
    Path index = dir.resolve("index");
    try (RecordReader<Passage> corpus = CorpusReader.open(Path.of("../examples/beir-mini"))) {
      LuceneIndexer.builder().setIndexDir(index).optThreads(1).build().index(corpus);
    }
    List<String> lines =
        LuceneRerankExample.rerank(
            LlmRescorerTest.TINY_LLAMA, index, "who designed the eiffel tower");
    // BM25 matches 4 passages ("design", "eiffel", "tower"); all are reranked, best first
    assertEquals(4, lines.size(), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("eiffel-1 ")), lines.toString());
    double previous = Double.POSITIVE_INFINITY;
    for (String line : lines) {
      double score = Double.parseDouble(line.split(" ")[1]);
      assertTrue(score <= previous && score < 0, lines.toString());
      previous = score;
    }
  }
}
