package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.Fixtures;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.data.RecordReader;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qpeft rerank --method ...} end to end on the fixtures: the JSONL output's {@code
 * rerank_score} is the method's score, as the library computes it for the same input.
 */
class RerankMethodsTest {
  static final Path EXAMPLE = Path.of("../examples/rerank-requests.jsonl");
  static final String TEMPLATE = "<s>Query: {query}\\nPassage: {passage}\\n{instruction}\\nAnswer:";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void yesnoWithOwnTemplateWritesTheLibraryScores() throws IOException {
    Path out = tmp.resolve("reranked.jsonl");
    CliRun run =
        CliRun.of(
            "rerank",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--top-k",
            "4",
            "--method",
            "yesno",
            "--template",
            TEMPLATE,
            "--instruction",
            "Does the passage answer the query?",
            "--answer-tokens",
            " the, of");
    assertEquals(0, run.exitCode(), run.err());
    RerankerFactory factory =
        RerankerFactory.builder()
            .setMethod(RerankMethod.YESNO)
            .optYesNoTemplate(TEMPLATE.replace("\\n", "\n"))
            .optInstruction("Does the passage answer the query?")
            .optAnswerTokens(List.of(" the", " of"))
            .build();
    Map<String, Double> expected = libraryScores(factory, CliRun.TINY_LLAMA, 4);
    assertWritten(expected, out, 20);
    for (double s : expected.values()) assertTrue(s > 0 && s < 1, "a probability: " + s);
    assertEquals("qpeft rerank: wrote 5 queries to " + out + " (jsonl)\n", run.err());
  }

  /**
   * A folder named like Qwen3-Reranker-0.6B (a copy of tiny-qwen3) is recognized without --method:
   * the stderr says so and the scores are the qwen3-reranker preset's.
   */
  @Test
  void knownRerankerIsDetectedAndItsPresetUsed() throws IOException {
    Path model = Files.createDirectories(tmp.resolve("Qwen3-Reranker-0.6B"));
    try (Stream<Path> files = Files.list(Fixtures.model("tiny-qwen3"))) {
      for (Path f : files.toList()) Files.copy(f, model.resolve(f.getFileName()));
    }
    Path out = tmp.resolve("reranked.jsonl");
    CliRun run =
        CliRun.of(
            "rerank",
            "--model",
            model.toString(),
            "--input",
            EXAMPLE.toString(),
            "--output",
            out.toString(),
            "--top-k",
            "3",
            "--instruction",
            "Given a question, judge whether the passage answers it");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.err()
            .startsWith(
                "qpeft rerank: Qwen3-Reranker-0.6B (the folder name) is a known reranker: using"
                    + " --method qwen3-reranker (give --method to choose another)\n"),
        run.err());
    RerankerFactory factory =
        RerankerFactory.builder()
            .setMethod(RerankMethod.QWEN3_RERANKER)
            .optInstruction("Given a question, judge whether the passage answers it")
            .build();
    assertWritten(libraryScores(factory, model, 3), out, 15);

    // --method upr still chooses UPR on that model
    Path upr = tmp.resolve("upr.jsonl");
    CliRun asUpr =
        CliRun.of(
            "rerank",
            "--model",
            model.toString(),
            "--input",
            EXAMPLE.toString(),
            "--output",
            upr.toString(),
            "--top-k",
            "3",
            "--method",
            "upr");
    assertEquals(0, asUpr.exitCode(), asUpr.err());
    assertFalse(asUpr.err().contains("known reranker"), asUpr.err());
    assertWritten(libraryScores(RerankerFactory.builder().build(), model, 3), upr, 15);
  }

  @Test
  void optionsThatDoNotFitTheMethodAreOneLineErrors() {
    assertError(
        "qpeft rerank: unknown method 'monot5'; allowed: upr, qpeft, qwen3-reranker, bge-gemma,"
            + " yesno\n",
        "--method",
        "monot5");
    assertError(
        "qpeft rerank: an instruction applies to methods qwen3-reranker, bge-gemma and yesno, not"
            + " upr\n",
        "--instruction",
        "judge");
    assertError(
        "qpeft rerank: method yesno needs a template with {query} and {passage} (or {title},"
            + " {text})\n",
        "--method",
        "yesno",
        "--answer-tokens",
        "yes");
    assertError(
        "qpeft rerank: method bge-gemma has the model card's prompt and answer tokens; for your own,"
            + " use method yesno\n",
        "--method",
        "bge-gemma",
        "--template",
        "{query} {passage}");
    assertError(
        "qpeft rerank: --target-template applies to method upr, not qwen3-reranker\n",
        "--method",
        "qwen3-reranker",
        "--target-template",
        " {query}");
    assertError(
        "qpeft rerank: answer token 'yes' is 2 tokens [92, 278] for this tokenizer; it must be"
            + " exactly one token\n",
        "--method",
        "yesno",
        "--template",
        "{query} {passage}",
        "--answer-tokens",
        "yes,no");
  }

  private void assertError(String expected, String... options) {
    Path out = tmp.resolve("run.trec");
    List<String> args =
        new ArrayList<>(
            List.of(
                "rerank",
                "--model",
                CliRun.TINY_LLAMA.toString(),
                "--input",
                EXAMPLE.toString(),
                "--output",
                out.toString()));
    args.addAll(List.of(options));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertEquals(1, run.exitCode(), run.err());
    assertEquals(expected, run.err());
    assertFalse(Files.exists(out));
  }

  /** qid/docid -> score from the library, all queries scored together as the command does. */
  static Map<String, Double> libraryScores(RerankerFactory factory, Path model, int topK) {
    List<Query> queries = new ArrayList<>();
    List<List<Passage>> passages = new ArrayList<>();
    try (RecordReader<Candidates> in =
        CandidatesReader.open(CandidatesSource.jsonl(EXAMPLE).withDepth(topK), ErrorPolicy.FAIL)) {
      while (in.hasNext()) {
        Candidates c = in.next();
        queries.add(c.query());
        passages.add(c.passages());
      }
    }
    Map<String, Double> out = new HashMap<>();
    try (Reranker r = factory.open(model)) {
      List<double[]> scores = r.scoreAll(queries, passages);
      for (int q = 0; q < queries.size(); q++) {
        for (int k = 0; k < passages.get(q).size(); k++) {
          out.put(queries.get(q).qid() + "/" + passages.get(q).get(k).docid(), scores.get(q)[k]);
        }
      }
    }
    return out;
  }

  /** The JSONL output holds exactly the expected scores, best first within each query. */
  static void assertWritten(Map<String, Double> expected, Path out, int pairs) throws IOException {
    int seen = 0;
    for (String line : Files.readAllLines(out)) {
      JsonNode node = JSON.readTree(line);
      String qid = node.get("query").get("qid").asText();
      double previous = Double.POSITIVE_INFINITY;
      for (JsonNode c : node.get("candidates")) {
        double score = c.get("rerank_score").asDouble();
        assertEquals(expected.get(qid + "/" + c.get("docid").asText()), score, 0.0, line);
        assertTrue(score <= previous, "best first: " + line);
        previous = score;
        seen++;
      }
    }
    assertEquals(pairs, seen);
  }
}
