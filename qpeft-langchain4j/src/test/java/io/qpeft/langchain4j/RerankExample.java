package io.qpeft.langchain4j;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.aggregator.ContentAggregator;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import java.nio.file.Path;
import java.util.List;

/** The example of docs/server.md, compiled and run by {@link RerankExampleTest}. */
public class RerankExample {
  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "models/Qwen3-Reranker-0.6B");
    RerankMethod method = RerankMethod.parse(args.length > 1 ? args[1] : "qwen3-reranker");
    try (Reranker reranker = RerankerFactory.builder().setMethod(method).build().open(dir)) {
      QpeftScoringModel scoring = QpeftScoringModel.builder().setReranker(reranker).build();
      List<Double> scores =
          scoring
              .scoreAll(
                  List.of(
                      TextSegment.from("The Nile flows north."),
                      TextSegment.from("The Eiffel Tower is in Paris.")),
                  "where is the eiffel tower")
              .content();
      System.out.println(scores);

      // in a RAG pipeline (LangChain4j's retrieval augmentor):
      ContentAggregator aggregator =
          ReRankingContentAggregator.builder().scoringModel(scoring).maxResults(5).build();
      System.out.println(aggregator.getClass().getSimpleName());
    }
  }
}
