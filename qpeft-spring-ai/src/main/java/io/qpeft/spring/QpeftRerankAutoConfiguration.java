package io.qpeft.spring;

import io.qpeft.rerank.Reranker;
import org.springframework.ai.rag.postretrieval.document.DocumentPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration: with {@code qpeft.rerank.model} or {@code qpeft.rerank.url} set,
 * a {@link Reranker} bean ({@link QpeftRerankers#open}); with any {@link Reranker} bean (that one,
 * or your own), a {@link QpeftDocumentPostProcessor} to hand to {@code
 * RetrievalAugmentationAdvisor.builder().documentPostProcessors(...)}. {@code
 * qpeft.rerank.enabled=false} turns both off; a bean of your own replaces either.
 */
@AutoConfiguration
@ConditionalOnClass(DocumentPostProcessor.class)
@ConditionalOnProperty(
    prefix = "qpeft.rerank",
    name = "enabled",
    havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(QpeftRerankProperties.class)
public class QpeftRerankAutoConfiguration {

  /** The reranker the properties describe; Spring closes it (and its model) on shutdown. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(Reranker.class)
  @ConditionalOnExpression(
      "!'${qpeft.rerank.model:}'.isEmpty() or !'${qpeft.rerank.url:}'.isEmpty()")
  public Reranker qpeftReranker(QpeftRerankProperties properties) {
    return QpeftRerankers.open(properties);
  }

  @Bean
  @ConditionalOnBean(Reranker.class)
  @ConditionalOnMissingBean(QpeftDocumentPostProcessor.class)
  public QpeftDocumentPostProcessor qpeftDocumentPostProcessor(
      Reranker reranker, QpeftRerankProperties properties) {
    return QpeftDocumentPostProcessor.builder()
        .setReranker(reranker)
        .optTopN(properties.getTopN())
        .optTitleMetadataKey(properties.getTitleMetadataKey())
        .build();
  }
}
