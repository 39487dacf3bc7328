package io.qpeft.spark;

import io.qpeft.rerank.Reranker;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The rerankers loaded in this JVM, one per {@link RerankerSpec}: an executor loads a model (and
 * adapter) the first time one of its tasks needs it and keeps it for every later task and partition
 * of this and later jobs, instead of reloading per partition. Tasks running at the same time share
 * it ({@link Reranker}s are thread-safe); a second task asking while the first loads waits for that
 * load. The models are closed when the JVM exits.
 */
final class ExecutorRerankers {
  private static final Map<RerankerSpec, Reranker> LOADED = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Reranker r : LOADED.values()) r.close();
                },
                "qpeft-close-models"));
  }

  private ExecutorRerankers() {}

  /** The reranker for {@code spec}, loading it on first use and telling {@code onLoad} then. */
  static Reranker get(RerankerSpec spec, Consumer<RerankerSpec> onLoad) {
    return LOADED.computeIfAbsent(
        spec,
        s -> {
          // the PyTorch native library ships inside the job jar: never download one at run time
          if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
          }
          Reranker r = s.open();
          onLoad.accept(s);
          return r;
        });
  }
}
