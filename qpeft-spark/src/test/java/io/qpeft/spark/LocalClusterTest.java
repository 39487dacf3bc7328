package io.qpeft.spark;

import static io.qpeft.spark.SparkTests.EXAMPLE;
import static io.qpeft.spark.SparkTests.TINY_LLAMA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.qpeft.data.CandidatesSource;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two executor JVMs ({@code local-cluster[2,1,1024]}: a master and two workers in this JVM, each
 * worker starting one executor process) rerank the example: both take part, each loads the model
 * exactly once however many tasks it runs, and the output is the library's. Spark's test mode
 * ({@code spark.testing}, {@code SPARK_TESTING=1}, set in the surefire configuration) lets the
 * executors run on this JVM's class path instead of a Spark distribution's jars.
 */
class LocalClusterTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Path home = Files.createDirectories(dir.resolve("spark-home"));
    System.setProperty("spark.testing", "1");
    System.setProperty("spark.test.home", home.toString());
    spark =
        SparkSession.builder()
            .master("local-cluster[2,1,1024]")
            .appName("qpeft-spark local-cluster test")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.executor.memory", "640m")
            .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Xss4m")
            .getOrCreate();
    // executor processes start in the background; on a busy machine that can take a while
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3) { // + the driver
      if (System.nanoTime() > deadline) throw new IllegalStateException("executors did not start");
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() {
    try {
      if (spark != null) spark.stop();
    } finally {
      System.clearProperty("spark.testing");
      System.clearProperty("spark.test.home");
    }
  }

  /** The executors that ran tasks. */
  static final class Executors extends SparkListener {
    final Set<String> ids = ConcurrentHashMap.newKeySet();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      ids.add(end.taskInfo().executorId());
    }
  }

  @Test
  void twoExecutorJvmsEachLoadTheModelOnce() {
    Executors executors = new Executors();
    spark.sparkContext().addSparkListener(executors);
    Path out = dir.resolve("out");
    RerankJob.Result r =
        RerankJob.builder()
            .setReranker(SparkTests.upr())
            .setInput(RerankInput.jsonl(EXAMPLE.toString()))
            .setOutput(out.toString())
            .optPartitions(6) // more tasks than executors: later tasks reuse the loaded model
            .build()
            .run(spark);
    spark.sparkContext().removeSparkListener(executors);

    assertEquals(Set.of("0", "1"), executors.ids, "both executors ran tasks");
    List<String> loads = r.modelLoads(); // "executorId/pid", one per load
    assertEquals(2, loads.size(), "one load per executor JVM: " + loads);
    assertEquals(
        Set.of("0", "1"),
        Set.of(loads.get(0).split("/")[0], loads.get(1).split("/")[0]),
        "" + loads);
    String driverPid = Long.toString(ManagementFactory.getRuntimeMXBean().getPid());
    for (String load : loads) assertFalse(load.endsWith("/" + driverPid), "not in the driver");
    try (Reranker upr = UprReranker.open(TINY_LLAMA)) {
      SparkTests.assertSameRun(
          SparkTests.library(upr, CandidatesSource.jsonl(EXAMPLE)), SparkTests.run(out));
    }
  }
}
