package io.qpeft.spring;

import org.springframework.ai.rag.advisor.RetrievalAugmentationAdvisor;
import org.springframework.ai.rag.retrieval.search.DocumentRetriever;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The docs' Spring AI example: a RAG advisor whose retrieved documents are reranked by qpeft (the
 * post-processor comes from the auto-configuration; the retriever is yours, e.g. a {@code
 * VectorStoreDocumentRetriever} with {@code topK(50)}).
 */
@Configuration
public class RagAdvisorExample {
  @Bean
  RetrievalAugmentationAdvisor ragAdvisor(
      DocumentRetriever retriever, QpeftDocumentPostProcessor qpeftRerank) {
    return RetrievalAugmentationAdvisor.builder()
        .documentRetriever(retriever)
        .documentPostProcessors(qpeftRerank)
        .build();
  }
}
