package io.qpeft.spark;

import static io.qpeft.spark.SparkTests.EXAMPLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that fails after writing part of its output is retried, and the job's output is exactly
 * the output of a run without failures: nothing lost, nothing written twice, counts not doubled.
 * {@code local[2,3]}: two task threads, up to 3 attempts per task.
 */
class RerankJobRetryTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTests.session("local[2,3]");
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
  }

  /** Counts failed task attempts. */
  static final class Failures extends SparkListener {
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.reason() instanceof TaskFailedReason) failed.incrementAndGet();
    }
  }

  private static RerankJob.Result rerank(Path out, PartitionScorer.TaskHook hook) {
    return RerankJob.builder()
        .setReranker(SparkTests.upr())
        .setInput(RerankInput.jsonl(EXAMPLE.toString()))
        .setOutput(out.toString())
        .optPartitions(2) // partition 1 holds queries 2 and 4 of the input
        .optTaskHook(hook)
        .build()
        .run(spark);
  }

  @Test
  void aFailedFirstAttemptChangesNothingInTheOutput() {
    Path clean = dir.resolve("clean");
    RerankJob.Result expected = rerank(clean, PartitionScorer.TaskHook.NONE);

    Failures listener = new Failures();
    spark.sparkContext().addSparkListener(listener);
    Path retried = dir.resolve("retried");
    RerankJob.Result got =
        rerank(
            retried,
            (task, written) -> {
              // the first attempt of partition 1 dies after its first query reached the writer
              if (task.partitionId() == 1 && task.attemptNumber() == 0 && written == 2) {
                throw new IllegalStateException("injected failure");
              }
            });
    spark.sparkContext().removeSparkListener(listener);

    assertEquals(1, listener.failed.get(), "exactly one attempt failed");
    assertEquals(SparkTests.partLines(clean), SparkTests.partLines(retried));
    assertEquals(100, SparkTests.partLines(retried).size());
    assertEquals(expected.queries(), got.queries());
    assertEquals(5, got.queries());
    assertEquals(100, got.passages());
  }
}
