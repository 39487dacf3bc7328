package io.qpeft.langchain4j;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.aggregator.ContentAggregator;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.Models;
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.List;

/** The example of docs/server.md, compiled and run by {@link RerankExampleTest}. */
public class RerankExample {
  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : "models/Llama-3.2-1B-Instruct");
    try (LanguageModel lm = Models.load(dir);
        TextTokenizer tokenizer = TextTokenizer.load(dir);
        UprReranker reranker = UprReranker.builder().setModel(lm).setTokenizer(tokenizer).build()) {
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
