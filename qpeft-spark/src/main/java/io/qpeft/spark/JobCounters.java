package io.qpeft.spark;

import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The job's Spark accumulators, named so that the Spark UI shows them on every stage and task. They
 * are only updated in the stage that writes the output (a result stage), where Spark applies each
 * partition's updates exactly once: a failed or duplicate (speculative) attempt's counts are
 * dropped, as its output is.
 */
final class JobCounters implements Serializable {
  /** Skipped records described per task, at most (the count is exact; the list is a sample). */
  static final int EXAMPLES_PER_TASK = 20;

  final LongAccumulator queries;
  final LongAccumulator passages;
  final LongAccumulator skipped;
  final CollectionAccumulator<String> skippedExamples;
  final CollectionAccumulator<String> modelLoads;

  JobCounters(SparkContext sc) {
    queries = sc.longAccumulator("qpeft queries scored");
    passages = sc.longAccumulator("qpeft passages scored");
    skipped = sc.longAccumulator("qpeft bad records skipped");
    skippedExamples = sc.collectionAccumulator("qpeft skipped records (sample)");
    modelLoads = sc.collectionAccumulator("qpeft model loads (executor/pid)");
  }

  /** Records that this JVM loaded a model: {@code executorId/pid}. */
  void modelLoaded() {
    SparkEnv env = SparkEnv.get();
    String executor = env == null ? "?" : env.executorId();
    modelLoads.add(executor + "/" + ManagementFactory.getRuntimeMXBean().getPid());
  }

  /** A snapshot on the driver, after the job. */
  Totals totals() {
    return new Totals(
        queries.value(),
        passages.value(),
        skipped.value(),
        List.copyOf(skippedExamples.value()),
        List.copyOf(modelLoads.value()));
  }

  /**
   * What a finished job did.
   *
   * @param queries queries scored and written
   * @param passages passages scored
   * @param skipped bad records left out ({@code --on-error skip})
   * @param skippedExamples {@code FILE:LINE: problem} of some of them
   * @param modelLoads one {@code executorId/pid} per model load (one per executor JVM that ran a
   *     task, unless it had the model from an earlier job)
   */
  record Totals(
      long queries,
      long passages,
      long skipped,
      List<String> skippedExamples,
      List<String> modelLoads) {}
}
