package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: qpeft train writes an adapter, qpeft rerank --adapter uses it, a wrong base model is
 * refused.
 */
class TrainCommandTest {
  private static final String[] WORDS = {
    "river", "mountain", "city", "music", "planet", "ocean", "forest", "garden"
  };

  /**
   * A DPR training file: each question's positive shares its two words; one record is malformed.
   */
  static Path dprTraining(Path dir, int n) throws Exception {
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < n; i++) {
      String a = WORDS[i % WORDS.length];
      String b = WORDS[(i * 3 + 1) % WORDS.length];
      sb.append("{\"question\": \"")
          .append(a)
          .append(' ')
          .append(b)
          .append("\", \"answers\": [\"")
          .append(a)
          .append("\"], \"positive_ctxs\": [{\"title\": \"t")
          .append(i)
          .append("\", \"text\": \"the ")
          .append(a)
          .append(" near the ")
          .append(b)
          .append("\", \"passage_id\": \"p")
          .append(i)
          .append("\"}],")
          .append(
              " \"negative_ctxs\": [], \"hard_negative_ctxs\": [{\"title\": \"\", \"text\": \"a ")
          .append(WORDS[(i + 4) % WORDS.length])
          .append(" by the sea\", \"passage_id\": \"h")
          .append(i)
          .append("\"}]},\n");
    }
    sb.append(
        "{\"question\": \"no positives here\", \"positive_ctxs\": [], \"hard_negative_ctxs\": []},\n");
    sb.append("{\"question\": 7, \"positive_ctxs\": \"broken\"}\n]\n");
    Path f = dir.resolve("train.json");
    Files.writeString(f, sb.toString());
    return f;
  }

  @Test
  void trainsAnAdapterThatRerankUses(@TempDir Path dir) throws Exception {
    Path train = dprTraining(dir, 6);
    Path adapter = dir.resolve("adapter");
    CliRun t =
        CliRun.of(
            "train",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--variant",
            "retrieval",
            "--train",
            train.toString(),
            "--dev",
            train.toString(),
            "--output",
            adapter.toString(),
            "--epochs",
            "2",
            "--batch-queries",
            "2",
            "--top-k",
            "4",
            "--checkpoint-every",
            "0");
    assertEquals(0, t.exitCode(), t.err());
    assertTrue(
        t.err().contains("skipped") && t.err().contains("train.json:"),
        "malformed record reported with file and line: " + t.err());
    assertTrue(t.err().contains("1 queries without positive_ctxs skipped"), t.err());
    List<String> epochs = t.out().lines().filter(l -> l.startsWith("{\"epoch\"")).toList();
    assertEquals(2, epochs.size(), t.out());
    JsonNode first = new ObjectMapper().readTree(epochs.get(0));
    assertTrue(first.get("train_loss").asDouble() > 0 && first.has("dev_loss"), epochs.get(0));
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_config.json")));
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
    // the loss curves, drawn into the adapter folder
    java.awt.image.BufferedImage loss =
        javax.imageio.ImageIO.read(adapter.resolve(TrainCommand.LOSS_FIGURE).toFile());
    assertEquals(640, loss.getWidth());
    assertTrue(t.err().contains("loss curves: " + TrainCommand.LOSS_FIGURE), t.err());

    Path out = dir.resolve("out.trec");
    CliRun r =
        CliRun.of(
            "rerank",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--adapter",
            adapter.toString(),
            "--input",
            RerankCommandTest.EXAMPLE.toString(),
            "--output",
            out.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(out);
    assertEquals(100, lines.size());
    double previous = Double.POSITIVE_INFINITY;
    String qid = "";
    for (String line : lines) {
      String[] f = line.split(" ");
      double score = Double.parseDouble(f[4]);
      if (f[0].equals(qid)) assertTrue(score <= previous, "sorted by the adapter's score: " + line);
      qid = f[0];
      previous = score;
    }

    CliRun wrong =
        CliRun.of(
            "rerank",
            "--model",
            Fixtures.model("tiny-gpt2").toString(),
            "--adapter",
            adapter.toString(),
            "--input",
            RerankCommandTest.EXAMPLE.toString(),
            "--output",
            dir.resolve("wrong.trec").toString());
    assertEquals(1, wrong.exitCode());
    assertTrue(wrong.err().contains("gpt2") && wrong.err().contains("llama"), wrong.err());
  }

  /** A BEIR folder: hard negatives are mined with BM25 from a qpeft index of its corpus. */
  @Test
  void trainsOnBeirWithBm25MinedNegatives(@TempDir Path dir) throws Exception {
    Path beir = Files.createDirectories(dir.resolve("beir"));
    StringBuilder corpus = new StringBuilder();
    StringBuilder queries = new StringBuilder();
    StringBuilder qrels = new StringBuilder("query-id\tcorpus-id\tscore\n");
    for (int i = 0; i < 8; i++) {
      String a = WORDS[i % WORDS.length];
      String b = WORDS[(i + 3) % WORDS.length];
      corpus
          .append("{\"_id\": \"d")
          .append(i)
          .append("\", \"title\": \"\", \"text\": \"the ")
          .append(a)
          .append(" and the ")
          .append(b)
          .append(" at dawn\"}\n");
      queries
          .append("{\"_id\": \"q")
          .append(i)
          .append("\", \"text\": \"")
          .append(a)
          .append(' ')
          .append(b)
          .append("\"}\n");
      qrels.append("q").append(i).append("\td").append(i).append("\t1\n");
    }
    Files.writeString(beir.resolve("corpus.jsonl"), corpus);
    Files.writeString(beir.resolve("queries.jsonl"), queries);
    Files.createDirectories(beir.resolve("qrels"));
    Files.writeString(beir.resolve("qrels/train.tsv"), qrels);
    Path index = dir.resolve("index");
    CliRun idx = CliRun.of("index", "--corpus", beir.toString(), "--index", index.toString());
    assertEquals(0, idx.exitCode(), idx.err());

    CliRun noIndex =
        CliRun.of(
            "train",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--train",
            beir.toString(),
            "--output",
            dir.resolve("a0").toString());
    assertEquals(1, noIndex.exitCode());
    assertTrue(noIndex.err().contains("needs --index"), noIndex.err());

    Path adapter = dir.resolve("adapter");
    CliRun t =
        CliRun.of(
            "train",
            "--model",
            CliRun.TINY_LLAMA.toString(),
            "--variant",
            "attention",
            "--train",
            beir.toString(),
            "--index",
            index.toString(),
            "--mine",
            "3",
            "--output",
            adapter.toString(),
            "--epochs",
            "1",
            "--batch-queries",
            "4",
            "--checkpoint-every",
            "0");
    assertEquals(0, t.exitCode(), t.err());
    assertTrue(t.err().contains("8 train / 0 dev queries"), t.err());
    assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")));
  }
}
