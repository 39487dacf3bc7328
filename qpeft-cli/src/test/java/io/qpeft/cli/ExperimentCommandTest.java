package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qpeft experiment} end to end on a tiny BEIR folder and the tiny Llama fixture: index,
 * BM25, three rerankers (one trains its adapter), eval, figures; a second invocation reuses every
 * step; a lost run is redone alone; expected figures are checked (a wrong one fails the command).
 */
class ExperimentCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS = {
    "river", "mountain", "city", "music", "planet", "ocean", "forest", "garden", "desert", "island"
  };

  /** 10 passages; queries q0..q9 name two words of their passage; test q0-q3, train q4-q9. */
  static Path beir(Path dir) throws Exception {
    Path beir = Files.createDirectories(dir.resolve("beir"));
    StringBuilder corpus = new StringBuilder();
    StringBuilder queries = new StringBuilder();
    StringBuilder test = new StringBuilder("query-id\tcorpus-id\tscore\n");
    StringBuilder train = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (int i = 0; i < 10; i++) {
      String a = WORDS[i];
      String b = WORDS[(i + 3) % WORDS.length];
      corpus.append(
          String.format(
              Locale.ROOT,
              "{\"_id\": \"d%d\", \"title\": \"\", \"text\": \"the %s and the %s at dawn\"}%n",
              i,
              a,
              b));
      queries.append(
          String.format(Locale.ROOT, "{\"_id\": \"q%d\", \"text\": \"%s %s\"}%n", i, a, b));
      (i < 4 ? test : train).append("q").append(i).append("\td").append(i).append("\t1\n");
    }
    Files.writeString(beir.resolve("corpus.jsonl"), corpus);
    Files.writeString(beir.resolve("queries.jsonl"), queries);
    Files.createDirectories(beir.resolve("qrels"));
    Files.writeString(beir.resolve("qrels/test.tsv"), test);
    Files.writeString(beir.resolve("qrels/train.tsv"), train);
    return beir;
  }

  static String config(String expected) {
    return "name: tiny-beir\n"
        + "data: {beir: beir, split: test}\n"
        + "retrieval: {hits: 5}\n"
        + "rerankers:\n"
        + "  - {name: upr, model: "
        + CliRun.TINY_LLAMA.toAbsolutePath().normalize()
        + "}\n"
        + "  - name: upr-sum\n"
        + "    model: "
        + CliRun.TINY_LLAMA.toAbsolutePath().normalize()
        + "\n"
        + "    args: [--aggregation, sum]\n"
        + "  - name: qpeft-r\n"
        + "    model: "
        + CliRun.TINY_LLAMA.toAbsolutePath().normalize()
        + "\n"
        + "    train: {variant: retrieval, args: [--epochs, '1', --batch-queries, '2', --top-k, '4',"
        + " --checkpoint-every, '0']}\n"
        + "measures: [Hit@1, Hit@5, Recall@5, nDCG@10, RR@10, AP]\n"
        + expected;
  }

  @Test
  void runsResumesAndChecksExpectedFigures(@TempDir Path dir) throws Exception {
    beir(dir);
    Path cfg = dir.resolve("exp.yaml");
    Files.writeString(cfg, config(""));
    Path out = dir.resolve("out");

    CliRun first = CliRun.of("experiment", "--config", cfg.toString(), "--output", out.toString());
    assertEquals(0, first.exitCode(), first.err());
    for (String f :
        List.of(
            "experiment.json",
            "steps.json",
            "queries.jsonl",
            "runs/bm25.trec",
            "runs/bm25.jsonl",
            "runs/upr.trec",
            "runs/upr-sum.trec",
            "runs/qpeft-r.trec",
            "adapters/qpeft-r/adapter_config.json",
            "eval.json",
            "report.json",
            "results.md")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
    // only the 4 judged test queries are retrieved and reranked (every BM25 hit, at most 5)
    assertEquals(4, Files.readAllLines(out.resolve("queries.jsonl")).size());
    List<String> bm25 = Files.readAllLines(out.resolve("runs/bm25.trec"));
    assertTrue(bm25.size() > 4 && bm25.size() <= 20, bm25.toString());
    assertEquals(bm25.size(), Files.readAllLines(out.resolve("runs/upr.trec")).size());
    assertEquals(
        640, ImageIO.read(out.resolve("adapters/qpeft-r/training_loss.png").toFile()).getWidth());
    assertEquals(1280, ImageIO.read(out.resolve("hit-recall.png").toFile()).getWidth());

    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertEquals(4, report.get("queries").asInt());
    assertEquals(
        List.of("bm25", "upr", "upr-sum", "qpeft-r"), report.get("runs").findValuesAsText("name"));
    JsonNode upr = report.get("runs").get(1);
    assertTrue(upr.get("vs_first_stage").get("nDCG@10").has("p_value"), upr.toString());
    String md = Files.readString(out.resolve("results.md"));
    assertTrue(md.contains("| run | Hit@1 | Hit@5 | Recall@5 | nDCG@10 | RR@10 | AP |"), md);
    assertTrue(first.out().contains("| upr-sum |"), first.out());

    // the steps are the qpeft commands: the experiment's UPR run equals qpeft rerank's
    Path direct = dir.resolve("direct.trec");
    CliRun rerank =
        CliRun.of(
            "rerank",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--input",
            out.resolve("runs/bm25.jsonl").toString(),
            "--output",
            direct.toString(),
            "--tag",
            "upr",
            "--top-k",
            "5");
    assertEquals(0, rerank.exitCode(), rerank.err());
    assertEquals(Files.readAllLines(direct), Files.readAllLines(out.resolve("runs/upr.trec")));

    // a second invocation reuses every step
    FileTime before = Files.getLastModifiedTime(out.resolve("runs/qpeft-r.trec"));
    CliRun second = CliRun.of("experiment", "--config", cfg.toString(), "--output", out.toString());
    assertEquals(0, second.exitCode(), second.err());
    for (String step :
        List.of("index", "retrieve", "train:qpeft-r", "rerank:upr", "rerank:qpeft-r"))
      assertTrue(second.err().contains(step + ": done earlier, reused"), second.err());
    assertEquals(before, Files.getLastModifiedTime(out.resolve("runs/qpeft-r.trec")));
    JsonNode again = JSON.readTree(out.resolve("report.json").toFile()).get("runs");
    for (int i = 0; i < 4; i++) {
      assertEquals(report.get("runs").get(i).get("measures"), again.get(i).get("measures"));
      assertTrue(again.get(i).get("reused").asBoolean());
    }

    // a lost run is redone, alone
    Files.delete(out.resolve("runs/upr-sum.trec"));
    CliRun third = CliRun.of("experiment", "--config", cfg.toString(), "--output", out.toString());
    assertEquals(0, third.exitCode(), third.err());
    assertFalse(third.err().contains("rerank:upr-sum: done earlier"), third.err());
    assertTrue(third.err().contains("rerank:upr: done earlier, reused"), third.err());
    assertTrue(Files.isRegularFile(out.resolve("runs/upr-sum.trec")));

    // regression config: the measured figures pass, a wrong one fails the command
    double ndcg = report.get("runs").get(0).get("measures").get("nDCG@10").asDouble();
    double hit1 = upr.get("measures").get("Hit@1").asDouble();
    Files.writeString(
        cfg,
        config(
            "tolerance: 0.00001\nexpected:\n  bm25: {nDCG@10: "
                + ndcg
                + "}\n  upr: {Hit@1: "
                + hit1
                + ", P@1: {value: 2.0, tolerance: 0.1}}\n"));
    CliRun regression =
        CliRun.of("experiment", "--config", cfg.toString(), "--output", out.toString());
    assertEquals(1, regression.exitCode(), regression.err());
    assertTrue(
        regression.err().contains("qpeft experiment: 1 of 3 expected figures are off"),
        regression.err());
    String checked = Files.readString(out.resolve("results.md"));
    assertTrue(checked.contains("FAIL upr P@1"), checked);
    assertTrue(checked.contains("ok   bm25 nDCG@10"), checked);
    JsonNode checks = JSON.readTree(out.resolve("report.json").toFile()).get("checks");
    assertEquals(3, checks.size());
    assertTrue(regression.err().contains("rerank:upr: done earlier, reused"), regression.err());
  }

  @Test
  void badConfigsNameTheField(@TempDir Path dir) throws Exception {
    beir(dir);
    Path cfg = dir.resolve("bad.yaml");
    Files.writeString(cfg, "data: {beir: beir}\nrerankers:\n  - {name: upr, modle: x}\n");
    CliRun r =
        CliRun.of(
            "experiment", "--config", cfg.toString(), "--output", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("bad.yaml: field 'rerankers[0].modle': unknown field"), r.err());
    Files.writeString(cfg, "data: {beir: beir, split: dev}\n");
    r =
        CliRun.of(
            "experiment", "--config", cfg.toString(), "--output", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("has no qrels/dev.tsv"), r.err());
    r =
        CliRun.of(
            "experiment",
            "--beir",
            dir.resolve("beir").toString(),
            "--output",
            dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no reranker"), r.err());
  }

  /** DPR retriever JSON with answers: its ctxs are the first stage, answers judge the passages. */
  @Test
  void runsOnDprJsonWithAnswers(@TempDir Path dir) throws Exception {
    StringBuilder sb = new StringBuilder("[\n");
    for (int q = 0; q < 3; q++) {
      sb.append("{\"question\": \"where is the ")
          .append(WORDS[q])
          .append("\", \"answers\": [\"")
          .append(WORDS[q])
          .append("\"], \"ctxs\": [");
      for (int c = 0; c < 4; c++) {
        String w = WORDS[(q + c) % WORDS.length];
        sb.append(c == 0 ? "" : ", ")
            .append("{\"id\": \"")
            .append(q * 10 + c)
            .append("\", \"title\": \"\", \"text\": \"a ")
            .append(w)
            .append(" far away\", \"score\": ")
            .append(10 - c)
            .append("}");
      }
      sb.append("]}").append(q < 2 ? ",\n" : "\n");
    }
    sb.append("]\n");
    Path dpr = dir.resolve("dev.json");
    Files.writeString(dpr, sb);
    Path out = dir.resolve("out");
    CliRun r =
        CliRun.of(
            "experiment",
            "--dpr",
            dpr.toString(),
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--hits",
            "4",
            "--output",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
    assertEquals(List.of("first-stage", "upr"), report.get("runs").findValuesAsText("name"));
    // the answer is always in the first ctx: the first stage has Hit@1 = 1
    assertEquals(1.0, report.get("runs").get(0).get("measures").get("Hit@1").asDouble());
    assertTrue(Files.isRegularFile(out.resolve("runs/upr.json")));
    assertTrue(Files.isRegularFile(out.resolve("hit-recall.png")));
  }
}
