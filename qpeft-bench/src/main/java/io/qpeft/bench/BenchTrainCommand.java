package io.qpeft.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.cli.Cli;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code qpeft-bench bench-train --task NAME [task options]}: the training benchmarks. Each task is
 * its own class with its own options ({@link BenchTrainTask}); this command picks it by name, sets
 * PyTorch's thread count, and runs it. {@code --task NAME --help} lists a task's options.
 */
@Command(
    name = "bench-train",
    description = {
      "Benchmark Q-PEFT training. Tasks:",
      "  throughput    query-passage pairs per second (forward + backward) of each variant,"
          + " peak memory",
      "  learnability  Hit@10 / Recall@10 of trained adapters vs. UPR and prompt tuning on a"
          + " synthetic task",
      "  realtext      BM25, UPR, textual hints, prompt tuning, Q-PEFT-R and Q-PEFT-A on real"
          + " text (Hit@1/10, nDCG@10, paired t-tests against UPR)",
      "bench-train --task NAME --help lists a task's options."
    })
public final class BenchTrainCommand implements Callable<Integer> {
  /** The tasks by {@code --task} name, in the order the help lists them. */
  static final Map<String, Supplier<BenchTrainTask>> TASKS = new LinkedHashMap<>();

  static {
    TASKS.put("throughput", ThroughputTrainTask::new);
    TASKS.put("learnability", LearnabilityTrainTask::new);
    TASKS.put("realtext", RealTextTrainTask::new);
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--task",
      paramLabel = "NAME",
      completionCandidates = TaskNames.class,
      description = "The benchmark: ${COMPLETION-CANDIDATES}.")
  String task;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description =
          "PyTorch intra-op threads (0: leave PyTorch's default). "
              + "One thread is several times faster for tiny models on a busy machine (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = {"-h", "--help"},
      description = "This help; with --task, that task's options.")
  boolean help;

  /** The task's own options, parsed by the task's command. */
  @Unmatched List<String> taskArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    if (task == null) {
      if (help) {
        cl.usage(cl.getOut());
        return 0;
      }
      throw new ParameterException(cl, "Missing required option: '--task=NAME'; one of " + names());
    }
    Supplier<BenchTrainTask> factory = TASKS.get(task);
    if (factory == null) {
      throw new ParameterException(cl, "unknown --task " + task + "; one of " + names());
    }
    BenchTrainTask t = factory.get();
    CommandLine taskLine = new CommandLine(t).setOut(cl.getOut()).setErr(cl.getErr());
    if (help) {
      taskLine.usage(cl.getOut());
      return 0;
    }
    taskLine.parseArgs(taskArgs.toArray(String[]::new)); // ParameterException: usage error, exit 2
    return Cli.run(
        spec,
        () -> {
          int previous = setThreads(threads);
          try {
            t.run(cl.getOut(), cl.getErr());
          } finally {
            if (previous > 0) JniUtils.setNumThreads(previous);
            cl.getOut().flush();
          }
          return 0;
        });
  }

  private static String names() {
    return String.join(", ", TASKS.keySet());
  }

  /** Sets PyTorch's intra-op threads; returns the previous count (0 when unchanged). */
  private static int setThreads(int n) {
    if (n < 0) throw new IllegalArgumentException("--threads must be >= 0, got " + n);
    if (n == 0) return 0;
    Engine.getEngine("PyTorch"); // loads the native library
    int previous = JniUtils.getNumThreads();
    JniUtils.setNumThreads(n);
    return previous;
  }

  /** The task names, for the {@code --task} help. */
  static final class TaskNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return TASKS.keySet().iterator();
    }
  }
}
