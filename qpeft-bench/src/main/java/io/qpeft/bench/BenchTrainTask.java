package io.qpeft.bench;

import java.io.PrintWriter;

/**
 * One {@code --task} of {@code qpeft-bench bench-train}. An implementation is a picocli
 * {@code @Command} whose {@code @Option} fields are the task's own options; {@link
 * BenchTrainCommand} parses them and calls {@link #run}. A new task is one class and one entry in
 * {@link BenchTrainCommand#TASKS}.
 */
interface BenchTrainTask {
  /**
   * Runs the task, printing its figures to {@code out} and progress to {@code err}. Bad input is an
   * IllegalArgumentException naming the option and what is allowed.
   */
  void run(PrintWriter out, PrintWriter err) throws Exception;
}
