package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code bench}: the matmul peak over the model's own GEMM shapes, and the report end to end. */
class BenchCommandTest {
  @Test
  void gemmShapesAreTheModelsDistinctBlockWeights() {
    assertEquals(
        "[2048x768 @ 768x2304, 2048x768 @ 768x768, 2048x768 @ 768x3072, 2048x3072 @ 3072x768]",
        MatmulPeak.blockGemms(BenchShape.gpt2_small.config, 2048).toString());
    // q and o are both 576 x 576 (listed once); k and v 576 x 192 (3 key-value heads of 64)
    assertEquals(
        "[512x576 @ 576x576, 512x576 @ 576x192, 512x576 @ 576x1536, 512x1536 @ 1536x576]",
        MatmulPeak.blockGemms(BenchShape.llama_135m.config, 512).toString());
  }

  @Test
  void peakIsTheBestShapeAndMfuUsesIt() {
    BenchRun run =
        BenchRun.of(
            "bench",
            "--model",
            BenchRun.TINY_LLAMA.toString(),
            "--queries",
            "1",
            "--passages",
            "4",
            "--passage-tokens",
            "16",
            "--query-tokens",
            "4",
            "--batch-tokens",
            "256",
            "--peak-runs",
            "2");
    assertEquals(0, run.exitCode(), run.err());
    Matcher peak =
        Pattern.compile(
                "machine matmul peak: ([0-9.]+) GFLOP/s \\(f32, \\d+ cores; best of 2 runs of"
                    + " each of the model's 4 block weight shapes at 256 rows, the token budget\\)")
            .matcher(run.out());
    assertTrue(peak.find(), run.out());
    // tiny-llama: hidden 64, 4 heads of 16, 2 key-value heads, intermediate 160
    List<Double> shapes = new ArrayList<>();
    Matcher shape =
        Pattern.compile("  (256x\\d+ @ \\d+x\\d+) +([0-9.]+) GFLOP/s").matcher(run.out());
    List<String> names = new ArrayList<>();
    while (shape.find()) {
      names.add(shape.group(1));
      shapes.add(Double.parseDouble(shape.group(2)));
    }
    assertEquals(
        List.of("256x64 @ 64x64", "256x64 @ 64x32", "256x64 @ 64x160", "256x160 @ 160x64"), names);
    assertEquals(
        shapes.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
        Double.parseDouble(peak.group(1)),
        0.051);
    Matcher engine =
        Pattern.compile(
                "engine \\(target-only logits, token-budget batches\\) +([0-9.]+) s +([0-9.]+)"
                    + " passages/s +([0-9.]+) tokens/s +MFU +([0-9.]+)%")
            .matcher(run.out());
    assertTrue(engine.find(), run.out());
    assertTrue(run.out().contains("reference (full-vocabulary logits, padded batches of 16)"));
    assertTrue(run.out().contains("speed-up engine / reference: "), run.out());
    assertTrue(run.out().contains("peak memory: RSS "), run.out());
  }

  /**
   * The F16 path end to end (slow on a CPU, fine for a tiny model): the start-up line, the GEMM
   * peak in F16, an MFU against a stated peak, and the engine within 0.1 of the F32 reference.
   */
  @Test
  void f16WithAStatedPeak() {
    BenchRun run =
        BenchRun.of(
            "bench",
            "--model",
            BenchRun.TINY_LLAMA.toString(),
            "--device",
            "cpu",
            "--dtype",
            "f16",
            "--queries",
            "1",
            "--passages",
            "3",
            "--passage-tokens",
            "12",
            "--query-tokens",
            "3",
            "--peak-runs",
            "1",
            "--peak-tflops",
            "1");
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(
        run.out()
            .contains(
                "device cpu, PyTorch 2.5.1, CPU build, dtype f16, 2048 tokens per forward pass"),
        run.out());
    assertTrue(run.out().contains("machine matmul peak: "), run.out());
    assertTrue(run.out().contains(" GFLOP/s (f16, "), run.out());
    assertTrue(run.out().contains("stated device peak for MFU: 1.0 TFLOP/s"), run.out());
    assertTrue(run.out().contains("% of the stated peak)"), run.out());
    Matcher diff =
        Pattern.compile("max \\|logprob difference\\|: ([0-9.eE+-]+)").matcher(run.out());
    assertTrue(diff.find(), run.out());
    assertTrue(
        Double.parseDouble(diff.group(1)) < 1e-2, run.out()); // engine and reference, both F16
  }

  /** {@code --method yesno}: answer rows against full-vocabulary logits, same prompts. */
  @Test
  void yesNoComparesAnswerRowsWithFullVocabularyLogits() {
    BenchRun run =
        BenchRun.of(
            "bench",
            "--model",
            BenchRun.TINY_LLAMA.toString(),
            "--method",
            "yesno",
            "--queries",
            "1",
            "--passages",
            "5",
            "--passage-tokens",
            "16",
            "--query-tokens",
            "4",
            "--template-tokens",
            "10",
            "--peak-runs",
            "1");
    assertEquals(0, run.exitCode(), run.err());
    // 5 prompts of 10 template + 4 query + 8..24 passage tokens
    Matcher workload =
        Pattern.compile(
                "workload: 1 queries x 5 passages, (\\d+) input tokens \\(passage ~16, query 4,"
                    + " template 10; 2 answer tokens\\)")
            .matcher(run.out());
    assertTrue(workload.find(), run.out());
    int tokens = Integer.parseInt(workload.group(1));
    assertTrue(tokens >= 5 * 22 && tokens <= 5 * 38, run.out());
    assertTrue(
        Pattern.compile(
                "engine \\(answer rows at the last position, token-budget batches\\) +[0-9.]+ s +[0-9.]+"
                    + " passages/s +[0-9.]+ tokens/s")
            .matcher(run.out())
            .find(),
        run.out());
    Matcher diff =
        Pattern.compile(
                "speed-up engine / reference: [0-9.]+x; max \\|logit"
                    + " difference\\|: ([0-9.e+-]+); max"
                    + " \\|P\\(yes\\) difference\\|: ([0-9.e+-]+)")
            .matcher(run.out());
    assertTrue(diff.find(), run.out());
    assertTrue(Double.parseDouble(diff.group(1)) < 1e-4, run.out());
    assertTrue(Double.parseDouble(diff.group(2)) < 1e-5, run.out());
    assertTrue(run.out().contains("peak memory: RSS "), run.out());

    BenchRun bad = BenchRun.of("bench", "--shape", "llama-135m", "--method", "listwise");
    assertEquals(1, bad.exitCode());
    assertEquals(
        "qpeft-bench bench: unknown --method 'listwise'; allowed: upr, yesno\n", bad.err());
  }

  @Test
  void unknownShapeNamesTheAllowedOnes() {
    BenchRun run = BenchRun.of("bench", "--shape", "gpt5");
    assertEquals(1, run.exitCode());
    assertEquals(
        "qpeft-bench bench: unknown --shape 'gpt5'; allowed: gpt2-small, llama-0.5b, tiny-gpt2,"
            + " llama-135m, qwen3-0.6b, llama-3.2-1b, llama-2-7b\n",
        run.err());
  }

  @Test
  void newFamilyShapesFollowTheirConfigs() {
    // Qwen3-0.6B: q_proj is 16 heads x 128 = 2048 wide on a 1024 hidden size
    assertEquals(
        "[64x1024 @ 1024x2048, 64x1024 @ 1024x1024, 64x2048 @ 2048x1024, 64x1024 @ 1024x3072,"
            + " 64x3072 @ 3072x1024]",
        MatmulPeak.blockGemms(BenchShape.qwen3_0_6b.config, 64).toString());
    assertEquals("llama3", BenchShape.llama3_2_1b.config.ropeScaling().type());
    assertEquals(BenchShape.llama3_2_1b, BenchShape.parse("Llama-3.2-1B"));
  }
}
