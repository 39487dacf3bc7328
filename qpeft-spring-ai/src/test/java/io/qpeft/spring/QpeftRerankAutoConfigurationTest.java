package io.qpeft.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.qpeft.Fixtures;
import io.qpeft.data.Passage;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.Adapter;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Variant;
import io.qpeft.rerank.QpeftReranker;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.rerank.Scored;
import io.qpeft.rerank.UprReranker;
import io.qpeft.server.RemoteReranker;
import io.qpeft.server.RerankServer;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.document.Document;
import org.springframework.ai.rag.Query;
import org.springframework.ai.rag.advisor.RetrievalAugmentationAdvisor;
import org.springframework.ai.rag.retrieval.search.DocumentRetriever;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The auto-configuration with Spring Boot's {@link ApplicationContextRunner}: properties select a
 * local UPR or Q-PEFT reranker (the tiny Llama fixture) or a remote {@code qpeft serve} (a real
 * server on the loopback interface); the post-processor's order and scores equal {@link
 * Reranker#rerank} on the same passages.
 */
class QpeftRerankAutoConfigurationTest {
  /** The tiny Llama fixture of the core tests (as a folder: the test-jar copy is zipped). */
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  static final String QUERY = "where is the eiffel tower";

  static final List<Document> DOCUMENTS =
      List.of(
          Document.builder().id("nile").text("The Nile flows north to the sea.").build(),
          Document.builder()
              .id("eiffel")
              .text("A wrought-iron tower in Paris, France.")
              .metadata(Map.of("title", "Eiffel Tower", "source", "wiki"))
              .build(),
          Document.builder().id("books").text("A tower of books on the table.").build(),
          Document.builder().id("cats").text("Cats sleep all day.").build());

  final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(QpeftRerankAutoConfiguration.class));

  static List<Passage> passages() {
    List<Passage> out = new ArrayList<>();
    for (Document d : DOCUMENTS) {
      Object title = d.getMetadata().get("title");
      out.add(new Passage(d.getId(), title == null ? "" : title.toString(), d.getText()));
    }
    return out;
  }

  /** The post-processor's answer equals the reranker's own top-n on the same passages. */
  static void assertSameAsRerank(List<Document> got, Reranker reference, int topN) {
    List<Scored> expected = reference.rerank(new io.qpeft.data.Query("q", QUERY), passages(), topN);
    assertEquals(expected.size(), got.size());
    for (int i = 0; i < got.size(); i++) {
      assertEquals(expected.get(i).passage().docid(), got.get(i).getId());
      assertEquals(expected.get(i).score(), got.get(i).getScore(), 1e-6);
      // text and metadata come through untouched
      assertEquals(DOCUMENTS.get(expected.get(i).index()).getText(), got.get(i).getText());
      assertEquals(DOCUMENTS.get(expected.get(i).index()).getMetadata(), got.get(i).getMetadata());
    }
  }

  @Test
  void nothingWithoutAModelOrUrl() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(Reranker.class);
          assertThat(context).doesNotHaveBean(QpeftDocumentPostProcessor.class);
        });
  }

  @Test
  void localUprRerankerFromProperties() {
    runner
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.top-n=2")
        .run(
            context -> {
              assertThat(context).hasSingleBean(Reranker.class);
              QpeftDocumentPostProcessor pp = context.getBean(QpeftDocumentPostProcessor.class);
              List<Document> top = pp.process(new Query(QUERY), DOCUMENTS);
              try (UprReranker reference = UprReranker.open(TINY_LLAMA)) {
                assertSameAsRerank(top, reference, 2);
              }
            });
  }

  @Test
  void localQpeftAdapterFromProperties(@TempDir Path dir) {
    Path adapter = dir.resolve("adapter");
    PeftConfig cfg = PeftConfig.defaults(Variant.RETRIEVAL);
    try (TransformerLm lm = Models.load(TINY_LLAMA);
        TextTokenizer tok = TextTokenizer.load(TINY_LLAMA)) {
      Adapter.save(
          adapter,
          cfg,
          PeftModel.initialParameters(lm, tok, cfg, 7),
          BaseModel.of(lm.config(), TINY_LLAMA),
          JsonNodeFactory.instance.objectNode());
      runner
          .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.adapter=" + adapter)
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                List<Document> all =
                    context
                        .getBean(QpeftDocumentPostProcessor.class)
                        .process(new Query(QUERY), DOCUMENTS);
                assertSameAsRerank(all, QpeftReranker.load(lm, tok, adapter, TINY_LLAMA), 0);
              });
    }
  }

  /**
   * A yes/no method with its own template and answer token, built by the project's factory. (The
   * answer token has no leading space: Spring trims property values.)
   */
  @Test
  void yesNoMethodFromProperties() {
    String template = "<s>Query: {query}\nPassage: {passage}\nAnswer:";
    runner
        .withPropertyValues(
            "qpeft.rerank.model=" + TINY_LLAMA,
            "qpeft.rerank.method=yesno",
            "qpeft.rerank.template=" + template,
            "qpeft.rerank.answer-tokens=is")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              List<Document> all =
                  context
                      .getBean(QpeftDocumentPostProcessor.class)
                      .process(new Query(QUERY), DOCUMENTS);
              try (Reranker reference =
                  RerankerFactory.builder()
                      .setMethod(RerankMethod.YESNO)
                      .optYesNoTemplate(template)
                      .optAnswerTokens(List.of("is"))
                      .build()
                      .open(TINY_LLAMA)) {
                assertSameAsRerank(all, reference, 0);
              }
            });
  }

  @Test
  void remoteQpeftServeFromProperties() throws Exception {
    try (UprReranker served = UprReranker.open(TINY_LLAMA);
        RerankServer server =
            RerankServer.builder()
                .setReranker(served)
                .optPort(0)
                .optBearerToken("t0ken")
                .build()
                .start()) {
      runner
          .withPropertyValues(
              "qpeft.rerank.url=" + server.baseUri(),
              "qpeft.rerank.api-key=t0ken",
              "qpeft.rerank.top-n=3")
          .run(
              context -> {
                assertThat(context).hasSingleBean(RemoteReranker.class);
                List<Document> top =
                    context
                        .getBean(QpeftDocumentPostProcessor.class)
                        .process(new Query(QUERY), DOCUMENTS);
                assertSameAsRerank(top, served, 3);
              });
    }
  }

  @Test
  void aRerankerBeanOfYourOwnIsUsed() {
    Reranker words =
        new Reranker() {
          @Override
          public double[] score(io.qpeft.data.Query q, List<Passage> passages) {
            double[] s = new double[passages.size()];
            for (int i = 0; i < s.length; i++)
              s[i] = passages.get(i).text().toLowerCase().contains("tower") ? 1 : 0;
            return s;
          }

          @Override
          public void close() {}
        };
    runner
        .withBean(Reranker.class, () -> words)
        .withPropertyValues("qpeft.rerank.top-n=2")
        .run(
            context -> {
              List<Document> top =
                  context
                      .getBean(QpeftDocumentPostProcessor.class)
                      .process(new Query(QUERY), DOCUMENTS);
              assertEquals(List.of("eiffel", "books"), top.stream().map(Document::getId).toList());
              assertEquals(1.0, top.get(0).getScore());
            });
  }

  @Test
  void wrongSettingsFailAtStartupWithTheReason() {
    runner
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.url=http://x:1")
        .run(
            context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("not both"));
    runner
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.device=cuda")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("qpeft.rerank.device=cuda"));
    runner
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.method=qpeft")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("qpeft.rerank: method qpeft needs an adapter"));
    runner
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(Reranker.class));
  }

  /** The docs' example: the advisor hands the chat model the reranked top-n documents. */
  @Test
  void ragAdvisorGetsTheRerankedDocuments() {
    runner
        .withUserConfiguration(RagAdvisorExample.class)
        .withBean(DocumentRetriever.class, () -> query -> DOCUMENTS)
        .withPropertyValues("qpeft.rerank.model=" + TINY_LLAMA, "qpeft.rerank.top-n=2")
        .run(
            context -> {
              RetrievalAugmentationAdvisor advisor =
                  context.getBean(RetrievalAugmentationAdvisor.class);
              ChatClientRequest augmented =
                  advisor.before(new ChatClientRequest(new Prompt(QUERY), Map.of()), null);
              @SuppressWarnings("unchecked")
              List<Document> used =
                  (List<Document>)
                      augmented.context().get(RetrievalAugmentationAdvisor.DOCUMENT_CONTEXT);
              try (UprReranker reference = UprReranker.open(TINY_LLAMA)) {
                assertSameAsRerank(used, reference, 2);
              }
              // the prompt the chat model gets holds the reranked documents' text
              String prompt = augmented.prompt().getContents();
              for (Document d : used) assertThat(prompt).contains(d.getText());
            });
  }
}
