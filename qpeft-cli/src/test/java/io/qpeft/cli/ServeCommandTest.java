package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.server.RerankServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
  static final String TINY_LLAMA = CliRun.TINY_LLAMA.toString();

  @Test
  void servesTheModelWithATokenUntilStopped(@TempDir Path tmp) throws Exception {
    Path tokenFile = Files.writeString(tmp.resolve("token"), "t0ken\n");
    ServeCommand command = new ServeCommand();
    CompletableFuture<RerankServer> started = new CompletableFuture<>();
    command.onStarted = started::complete;
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(command).setOut(new PrintWriter(out));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "--model",
                    TINY_LLAMA,
                    "--port",
                    "0",
                    "--token-file",
                    tokenFile.toString(),
                    "--model-id",
                    "tiny-llama",
                    "--max-documents",
                    "2"));
    RerankServer server = started.get(60, TimeUnit.SECONDS);
    assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest.Builder rerank =
        HttpRequest.newBuilder(server.baseUri().resolve("/v1/rerank"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"query\":\"where is paris\",\"documents\":[\"rivers\",\"paris is in france\"]}"));
    assertEquals(
        401, client.send(rerank.build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    HttpResponse<String> ok =
        client.send(
            rerank.header("Authorization", "Bearer t0ken").build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode(), ok.body());
    JsonNode body = new ObjectMapper().readTree(ok.body());
    assertEquals("tiny-llama", body.get("model").asText());
    assertEquals(2, body.get("results").size());
    assertTrue(
        body.get("results").get(0).get("relevance_score").asDouble() < 0); // a log-likelihood
    server.stop(Duration.ofSeconds(5));
    assertEquals(0, exit.get(30, TimeUnit.SECONDS));
    assertTrue(
        out.toString().startsWith("qpeft serve: serving tiny-llama on http://127.0.0.1:"),
        out.toString());
  }

  /** {@code --method yesno}: the answers carry the yes/no scores the library gives. */
  @Test
  void servesAYesNoMethod() throws Exception {
    String template = "<s>Query: {query}\\nPassage: {passage}\\nRelevant?\\nAnswer:";
    ServeCommand command = new ServeCommand();
    CompletableFuture<RerankServer> started = new CompletableFuture<>();
    command.onStarted = started::complete;
    StringWriter err = new StringWriter();
    CommandLine cli =
        new CommandLine(command)
            .setOut(new PrintWriter(new StringWriter()))
            .setErr(new PrintWriter(err));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cli.execute(
                    "--model",
                    TINY_LLAMA,
                    "--port",
                    "0",
                    "--method",
                    "yesno",
                    "--template",
                    template,
                    "--answer-tokens",
                    " the, of"));
    RerankServer server = started.get(60, TimeUnit.SECONDS);
    List<String> docs = List.of("rivers of europe", "paris is in france", "the eiffel tower");
    HttpResponse<String> ok =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.baseUri().resolve("/v1/rerank"))
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            new ObjectMapper()
                                .writeValueAsString(
                                    Map.of("query", "where is paris", "documents", docs))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode(), ok.body());
    server.stop(Duration.ofSeconds(5));
    assertEquals(0, exit.get(30, TimeUnit.SECONDS), err.toString());

    List<Passage> passages = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++)
      passages.add(new Passage(Integer.toString(i), docs.get(i)));
    double[] expected;
    try (Reranker r =
        RerankerFactory.builder()
            .setMethod(RerankMethod.YESNO)
            .optYesNoTemplate(template.replace("\\n", "\n"))
            .optAnswerTokens(List.of(" the", " of"))
            .build()
            .open(Path.of(TINY_LLAMA))) {
      expected = r.score(new Query("q", "where is paris"), passages);
    }
    JsonNode results = new ObjectMapper().readTree(ok.body()).get("results");
    assertEquals(3, results.size());
    double previous = 1;
    for (JsonNode r : results) {
      double score = r.get("relevance_score").asDouble();
      assertEquals(expected[r.get("index").asInt()], score, 1e-9, ok.body());
      assertTrue(score > 0 && score <= previous, ok.body()); // probabilities, best first
      previous = score;
    }
  }

  @Test
  void badOptionsAreNamed(@TempDir Path tmp) {
    CliRun missing =
        CliRun.of("serve", "--model", TINY_LLAMA, "--token-file", tmp.resolve("nope").toString());
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().startsWith("qpeft serve: --token-file "), missing.err());
    CliRun unset =
        CliRun.of(
            "serve", "--model", TINY_LLAMA, "--api-key-env", "QPEFT_TEST_SURELY_UNSET_VARIABLE");
    assertEquals(1, unset.exitCode());
    assertTrue(
        unset
            .err()
            .contains(
                "QPEFT_TEST_SURELY_UNSET_VARIABLE: the environment variable is"
                    + " not set or empty"),
        unset.err());
    CliRun queue = CliRun.of("serve", "--model", TINY_LLAMA, "--queue", "0");
    assertEquals("qpeft serve: --queue must be positive, got 0\n", queue.err());
    CliRun noModel = CliRun.of("serve", "--model", tmp.resolve("m").toString());
    assertTrue(noModel.err().startsWith("qpeft serve: --model "), noModel.err());
    assertTrue(noModel.err().contains("no such folder"), noModel.err());
  }
}
