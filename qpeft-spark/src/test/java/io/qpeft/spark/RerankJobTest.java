package io.qpeft.spark;

import static io.qpeft.spark.SparkTests.EXAMPLE;
import static io.qpeft.spark.SparkTests.TINY_LLAMA;
import static io.qpeft.spark.SparkTests.assertSameRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.BadRecordException;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.CandidatesWriter;
import io.qpeft.data.RunEntry;
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
import io.qpeft.rerank.UprReranker;
import io.qpeft.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job in local mode (two task threads, one Spark session for the class) against the library on
 * the same input: JSONL requests, a TREC run joined with a BEIR corpus or a Parquet one, an
 * adapter, JSONL output, and bad records.
 */
class RerankJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static SparkSession spark;
  static Path run;
  static Path corpus;
  static Path queries;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkTests.session("local[2]");
    // the shipped example as a TREC run, a BEIR corpus and BEIR queries
    run = dir.resolve("run.trec");
    corpus = dir.resolve("beir").resolve("corpus.jsonl");
    queries = dir.resolve("beir").resolve("queries.jsonl");
    Files.createDirectories(corpus.getParent());
    List<String> runLines = new ArrayList<>();
    Map<String, String> docs = new LinkedHashMap<>();
    List<String> queryLines = new ArrayList<>();
    for (String line : Files.readAllLines(EXAMPLE)) {
      JsonNode req = JSON.readTree(line);
      String qid = req.get("query").get("qid").asText();
      ObjectNode q = JSON.createObjectNode().put("_id", qid);
      queryLines.add(q.put("text", req.get("query").get("text").asText()).toString());
      int rank = 1;
      for (JsonNode c : req.get("candidates")) {
        String docid = c.get("docid").asText();
        runLines.add(qid + " Q0 " + docid + " " + rank++ + " " + c.get("score").asText() + " bm25");
        ObjectNode d = JSON.createObjectNode().put("_id", docid);
        d.put("title", c.get("doc").get("title").asText());
        docs.put(docid, d.put("text", c.get("doc").get("text").asText()).toString());
      }
    }
    Files.write(run, runLines);
    Files.write(corpus, docs.values());
    Files.write(queries, queryLines);
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
  }

  private static RerankJob.Builder job(RerankInput input, Path out) {
    return RerankJob.builder()
        .setReranker(SparkTests.upr())
        .setInput(input)
        .setOutput(out.toString());
  }

  private static final Map<CandidatesSource, Map<String, List<RunEntry>>> LIBRARY =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** UPR through the library, as {@code qpeft rerank} runs it (computed once per input). */
  private static Map<String, List<RunEntry>> library(CandidatesSource source) {
    return LIBRARY.computeIfAbsent(
        source,
        s -> {
          try (Reranker upr = UprReranker.open(TINY_LLAMA)) {
            return SparkTests.library(upr, s);
          }
        });
  }

  @Test
  void jsonlRequestsGiveTheLibrarysRankingAndScores() {
    Path out = dir.resolve("jsonl-out");
    RerankJob.Result r = job(RerankInput.jsonl(EXAMPLE.toString()), out).build().run(spark);
    assertSameRun(library(CandidatesSource.jsonl(EXAMPLE)), SparkTests.run(out));
    assertEquals(5, r.queries());
    assertEquals(100, r.passages());
    assertEquals(0, r.skipped());
    assertEquals(4, r.partFiles()); // 2 x local[2]'s parallelism
    assertTrue(Files.exists(out.resolve("_SUCCESS")));
  }

  @Test
  void aTrecRunJoinedWithABeirCorpusGivesTheLibrarysRanking() {
    Path out = dir.resolve("trec-out");
    RerankJob.Result r =
        job(
                RerankInput.trec(run.toString(), corpus.getParent().toString(), queries.toString()),
                out)
            .optPartitions(3)
            .build()
            .run(spark);
    assertSameRun(library(CandidatesSource.trec(run, corpus, queries)), SparkTests.run(out));
    assertEquals(5, r.queries());
    assertEquals(3, r.partFiles());
  }

  @Test
  void aParquetCorpusAndTopKGiveTheLibrarysRanking() {
    Path parquet = dir.resolve("corpus.parquet");
    spark.read().json(corpus.toString()).write().parquet(parquet.toString());
    Path out = dir.resolve("parquet-out");
    RerankJob.Result r =
        job(RerankInput.trec(run.toString(), parquet.toString(), queries.toString()), out)
            .optTopK(7)
            .build()
            .run(spark);
    Map<String, List<RunEntry>> expected =
        library(CandidatesSource.trec(run, corpus, queries).withDepth(7));
    assertSameRun(expected, SparkTests.run(out));
    assertEquals(35, r.passages());
  }

  @Test
  void aQpeftAdapterGivesTheLibrarysScores() {
    Path adapter = dir.resolve("adapter");
    Map<String, List<RunEntry>> expected;
    try (TransformerLm lm = Models.load(TINY_LLAMA);
        TextTokenizer tok = TextTokenizer.load(TINY_LLAMA)) {
      PeftConfig cfg = PeftConfig.builder().setVariant(Variant.RETRIEVAL).optTopK(3).build();
      Adapter.save(
          adapter,
          cfg,
          PeftModel.initialParameters(lm, tok, cfg, 7),
          BaseModel.of(lm.config(), TINY_LLAMA),
          null);
      expected =
          SparkTests.library(
              QpeftReranker.load(lm, tok, adapter, TINY_LLAMA), CandidatesSource.jsonl(EXAMPLE));
    }
    Path out = dir.resolve("adapter-out");
    RerankJob.builder()
        .setReranker(
            RerankerSpec.builder()
                .setModel(ModelLocation.local(TINY_LLAMA))
                .optAdapter(ModelLocation.local(adapter))
                .build())
        .setInput(RerankInput.jsonl(EXAMPLE.toString()))
        .setOutput(out.toString())
        .build()
        .run(spark);
    assertSameRun(expected, SparkTests.run(out));
    // the adapter changes the scores: this is not UPR again
    assertTrue(
        Math.abs(
                expected.get("q1").get(0).score()
                    - library(CandidatesSource.jsonl(EXAMPLE)).get("q1").get(0).score())
            > 1e-3);
  }

  @Test
  void aYesNoRerankerFromTheFactoryGivesTheLibrarysScores() {
    String template = "Query: {query}\nPassage: {passage}\n{instruction} Answer:";
    RerankerFactory factory =
        RerankerFactory.builder()
            .setMethod(RerankMethod.YESNO)
            .optYesNoTemplate(template)
            .optInstruction("Does the passage answer the query?")
            .optAnswerTokens(List.of(" the", " of"))
            .build();
    Map<String, List<RunEntry>> expected;
    try (Reranker yesno = factory.open(TINY_LLAMA)) {
      expected = SparkTests.library(yesno, CandidatesSource.jsonl(EXAMPLE));
    }
    Path out = dir.resolve("yesno-out");
    RerankJob.builder()
        .setReranker(
            RerankerSpec.builder()
                .setModel(ModelLocation.local(TINY_LLAMA))
                .optMethod(RerankMethod.YESNO)
                .optTemplate(template)
                .optInstruction("Does the passage answer the query?")
                .optAnswerTokens(List.of(" the", " of"))
                .build())
        .setInput(RerankInput.jsonl(EXAMPLE.toString()))
        .setOutput(out.toString())
        .build()
        .run(spark);
    assertSameRun(expected, SparkTests.run(out));
    // options that do not fit the method are refused on the driver, with the factory's message
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                RerankerSpec.builder()
                    .setModel(ModelLocation.local(TINY_LLAMA))
                    .optMethod(RerankMethod.UPR)
                    .optAnswerTokens(List.of(" yes"))
                    .build());
    assertTrue(e.getMessage().contains("apply to method yesno"), e.getMessage());
  }

  @Test
  void deviceAndDtypeAreCheckedOnTheDriver() {
    RerankerSpec.Builder b = RerankerSpec.builder().setModel(ModelLocation.local(TINY_LLAMA));
    IllegalArgumentException device =
        assertThrows(IllegalArgumentException.class, () -> b.optDevice("tpu").build());
    assertEquals("--device must be auto, cpu, cuda or cuda:N, got 'tpu'", device.getMessage());
    IllegalArgumentException dtype =
        assertThrows(
            IllegalArgumentException.class, () -> b.optDevice("cpu").optDType("f8").build());
    assertEquals("--dtype must be auto, f32 or f16, got 'f8'", dtype.getMessage());
    RerankerSpec ok = b.optDevice("cuda:1").optDType("f16").build(); // checked where it runs
    assertEquals("cuda:1", ok.device());
    assertEquals(0, ok.batchTokens()); // the model's default on the executor's device
  }

  @Test
  void jsonlOutputKeepsTheRequestFieldsAndAddsRerankScores() throws Exception {
    Path out = dir.resolve("out.jsonl");
    job(RerankInput.jsonl(EXAMPLE.toString()), out)
        .optFormat(CandidatesWriter.Format.JSONL)
        .optPartitions(1)
        .build()
        .run(spark);
    Map<String, List<RunEntry>> expected = library(CandidatesSource.jsonl(EXAMPLE));
    List<String> lines = SparkTests.partLines(out);
    assertEquals(5, lines.size());
    for (String line : lines) {
      JsonNode node = JSON.readTree(line);
      String qid = node.get("query").get("qid").asText();
      JsonNode first = node.get("candidates").get(0);
      RunEntry best = expected.get(qid).get(0);
      assertEquals(best.docid(), first.get("docid").asText());
      assertEquals(best.score(), first.get("rerank_score").asDouble(), SparkTests.TOLERANCE);
      assertTrue(first.get("doc").has("title")); // input fields are kept
    }
    // qpeft eval reads the JSONL folder as a run too
    assertEquals(CandidatesSource.Format.JSONL, CandidatesSource.detectFormat(out));
  }

  @Test
  void badJsonlRecordsAreSkippedAndCountedOrFailTheJobNamingFileAndLine() throws Exception {
    List<String> example = Files.readAllLines(EXAMPLE);
    Path input = dir.resolve("bad.jsonl");
    Files.write(
        input,
        List.of(
            example.get(0),
            "{not json",
            "",
            "{\"query\":{\"qid\":\"qx\",\"text\":\"t\"}}",
            example.get(2)));
    Path out = dir.resolve("bad-skip-out");
    RerankJob.Result r =
        job(RerankInput.jsonl(input.toString()), out).optSkipBadRecords(true).build().run(spark);
    assertEquals(2, r.queries());
    assertEquals(2, r.skipped());
    assertEquals(List.of("q1", "q3"), SparkTests.run(out).keySet().stream().sorted().toList());
    List<String> reported = r.skippedExamples().stream().sorted().toList();
    assertTrue(reported.get(0).startsWith("file:" + input + ":2: invalid JSON"), reported.get(0));
    assertEquals("file:" + input + ":4: query qx has no \"candidates\" array", reported.get(1));

    Path failed = dir.resolve("bad-fail-out");
    BadRecordException e =
        assertThrows(
            BadRecordException.class,
            () -> job(RerankInput.jsonl(input.toString()), failed).build().run(spark));
    assertTrue(e.getMessage().startsWith("file:" + input + ":2: invalid JSON"), e.getMessage());
    assertTrue(!Files.exists(failed) || !Files.exists(failed.resolve("_SUCCESS")));
  }

  @Test
  void badTrecRecordsAreSkippedAndCounted() throws Exception {
    Path badRun = dir.resolve("bad.trec");
    List<String> lines = new ArrayList<>(Files.readAllLines(run).subList(0, 3)); // q1: 3 docs
    lines.add("q1 Q0 broken-line");
    lines.add("q9 Q0 moon-1 1 2.0 bm25"); // q9 is not in the queries
    lines.add("q2 Q0 no-such-doc 1 2.0 bm25"); // not in the corpus
    lines.add("q3 Q0 nile-1 1 2.0 bm25");
    Files.write(badRun, lines);
    Path out = dir.resolve("bad-trec-out");
    RerankJob.Result r =
        job(RerankInput.trec(badRun.toString(), corpus.toString(), queries.toString()), out)
            .optSkipBadRecords(true)
            .build()
            .run(spark);
    assertEquals(3, r.skipped());
    assertEquals(2, r.queries());
    assertEquals(List.of("q1", "q3"), SparkTests.run(out).keySet().stream().sorted().toList());
    String src = "file:" + badRun;
    assertEquals(
        List.of(
            src + ":4: expected 6 fields 'qid Q0 docid rank score tag', got 3: q1 Q0 broken-line",
            src + ":5: query q9 is not in " + queries,
            src + ":6: document no-such-doc is not in the collection"),
        r.skippedExamples().stream().sorted().toList());

    Path failed = dir.resolve("bad-trec-fail");
    Files.write(badRun, List.of(lines.get(0), lines.get(5)));
    BadRecordException e =
        assertThrows(
            BadRecordException.class,
            () ->
                job(
                        RerankInput.trec(badRun.toString(), corpus.toString(), queries.toString()),
                        failed)
                    .build()
                    .run(spark));
    assertEquals(src + ":2: document no-such-doc is not in the collection", e.getMessage());
  }

  @Test
  void aModelGivenAsUriIsShippedToTheExecutors() throws Exception {
    ModelLocation shipped =
        ModelLocation.prepare(spark.sparkContext(), TINY_LLAMA.toUri().toString(), "--model");
    assertTrue(shipped.shipped());
    assertEquals("tiny-llama", shipped.value());
    Path input = dir.resolve("one.jsonl");
    Files.write(input, Files.readAllLines(EXAMPLE).subList(0, 1));
    Path out = dir.resolve("shipped-out");
    RerankJob.builder()
        .setReranker(RerankerSpec.builder().setModel(shipped).build())
        .setInput(RerankInput.jsonl(input.toString()))
        .setOutput(out.toString())
        .build()
        .run(spark);
    assertSameRun(library(CandidatesSource.jsonl(input)), SparkTests.run(out));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelLocation.prepare(spark.sparkContext(), "no/such folder", "--model"));
    assertTrue(e.getMessage().startsWith("--model no/such folder: no such folder"), e.getMessage());
  }

  @Test
  void anExistingOutputIsRefusedUnlessOverwriting() throws Exception {
    Path out = dir.resolve("exists");
    Files.createDirectories(out);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> job(RerankInput.jsonl(EXAMPLE.toString()), out).build().run(spark));
    assertEquals(
        "--output " + out + " already exists; remove it or pass --overwrite", e.getMessage());
  }
}
