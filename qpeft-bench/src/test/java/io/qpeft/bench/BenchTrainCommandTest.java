package io.qpeft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bench-train}: picking a task, each task's own options and help, the throughput table. */
class BenchTrainCommandTest {
  @Test
  void everyTaskIsListedAndHasItsOwnHelp() {
    BenchRun help = BenchRun.of("bench-train", "--help");
    assertEquals(0, help.exitCode(), help.err());
    for (String task : BenchTrainCommand.TASKS.keySet()) {
      assertTrue(help.out().contains(task), task + " missing from:\n" + help.out());
      BenchRun taskHelp = BenchRun.of("bench-train", "--task", task, "--help");
      assertEquals(0, taskHelp.exitCode(), taskHelp.err());
      assertTrue(taskHelp.out().startsWith("Usage: bench-train --task " + task), taskHelp.out());
    }
    BenchRun learnability = BenchRun.of("bench-train", "--task", "learnability", "--help");
    assertTrue(learnability.out().contains("--sizes"), learnability.out());
    assertTrue(!learnability.out().contains("--tokenizer"), learnability.out());
  }

  @Test
  void unknownOrMissingTaskIsAUsageError() {
    BenchRun unknown = BenchRun.of("bench-train", "--task", "nope");
    assertEquals(2, unknown.exitCode());
    assertTrue(
        unknown
            .err()
            .startsWith("unknown --task nope; one of throughput, learnability, realtext\n"),
        unknown.err());
    BenchRun missing = BenchRun.of("bench-train");
    assertEquals(2, missing.exitCode());
    assertTrue(missing.err().startsWith("Missing required option: '--task=NAME'"), missing.err());
  }

  @Test
  void aTaskRefusesAnotherTasksOptionAndNamesBadInput() {
    BenchRun foreign =
        BenchRun.of("bench-train", "--task", "throughput", "--tokenizer", "x", "--sizes", "4");
    assertEquals(2, foreign.exitCode());
    assertTrue(foreign.err().startsWith("Unknown options: '--sizes', '4'"), foreign.err());
    BenchRun noTokenizer = BenchRun.of("bench-train", "--task", "throughput");
    assertEquals(2, noTokenizer.exitCode());
    assertTrue(
        noTokenizer.err().startsWith("Missing required option: '--tokenizer=DIR'"),
        noTokenizer.err());
    BenchRun noModel = BenchRun.of("bench-train", "--task", "learnability", "--model", "no/such");
    assertEquals(1, noModel.exitCode());
    assertEquals("qpeft-bench bench-train: --model no/such is not a folder\n", noModel.err());
  }

  /**
   * qpeft's step and the straightforward one (full-vocabulary logits, a pass per pair) on the same
   * batch: a row each per variant, and the speed-up.
   */
  @Test
  void throughputComparesTheStepWithTheReference() {
    BenchRun run =
        BenchRun.of(
            "bench-train",
            "--task",
            "throughput",
            "--tokenizer",
            BenchRun.TINY_LLAMA.toString(),
            "--shapes",
            "tiny-gpt2",
            "--variants",
            "retrieval,attention",
            "--steps",
            "1",
            "--batch-queries",
            "1",
            "--passage-words",
            "8");
    assertEquals(0, run.exitCode(), run.err());
    List<String> rows = run.out().lines().filter(l -> l.startsWith("| tiny-gpt2 | ")).toList();
    assertEquals(6, rows.size(), run.out());
    assertTrue(rows.get(0).startsWith("| tiny-gpt2 | retrieval | qpeft | 2 | "), rows.get(0));
    assertTrue(rows.get(1).startsWith("| tiny-gpt2 | retrieval | reference | 2 | "), rows.get(1));
    assertTrue(rows.get(2).contains("qpeft / reference"), rows.get(2));
    assertTrue(rows.get(3).startsWith("| tiny-gpt2 | attention | qpeft | 2 | "), rows.get(3));
    assertTrue(run.err().contains("largest gradient difference"), run.err());
    assertTrue(run.out().contains("peak RSS of the whole run (VmHWM): "), run.out());
  }
}
