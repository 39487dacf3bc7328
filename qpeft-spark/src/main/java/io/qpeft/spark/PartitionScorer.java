package io.qpeft.spark;

import ai.djl.pytorch.jni.JniUtils;
import io.qpeft.data.BadRecordException;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.CandidatesWriter;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Reranker;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reranks one partition: turns its items into candidate records, scores them with this executor's
 * reranker ({@link ExecutorRerankers}) a group of queries at a time (the engine packs each group's
 * pairs into forward passes by token budget, longest first), and yields the output text of each
 * query in input order. Items are pulled lazily, a group at a time, so a partition never has to fit
 * in memory. PyTorch's intra-op threads are set to the task's CPUs ({@code spark.task.cpus}), so an
 * executor with C cores and C / task.cpus concurrent tasks uses its C cores without
 * oversubscription.
 *
 * @param <T> what the partition holds (a JSONL line, a grouped TREC row)
 */
final class PartitionScorer<T> implements Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionScorer.class);

  /** Passages scored together; several queries share forward passes up to this many. */
  static final int GROUP_PASSAGES = 256;

  /** Turns an item into a record, or reports it to the policy and returns null. */
  @FunctionalInterface
  interface Records<T> extends Serializable {
    CandidatesRecord toRecord(T item, ErrorPolicy policy);
  }

  /** Called after each query a task writes; only tests inject failures through it. */
  @FunctionalInterface
  interface TaskHook extends Serializable {
    void afterQuery(TaskContext task, long queriesInTask);

    TaskHook NONE = (task, n) -> {};
  }

  private final RerankerSpec spec;
  private final CandidatesWriter.Format format;
  private final String tag;
  private final boolean skip;
  private final JobCounters counters;
  private final Records<T> records;
  private final TaskHook hook;

  PartitionScorer(
      RerankerSpec spec,
      CandidatesWriter.Format format,
      String tag,
      boolean skip,
      JobCounters counters,
      Records<T> records,
      TaskHook hook) {
    this.spec = spec;
    this.format = format;
    this.tag = tag;
    this.skip = skip;
    this.counters = counters;
    this.records = records;
    this.hook = hook;
  }

  /** The output rows of one partition: one per query, its text without the final newline. */
  Iterator<String> score(Iterator<T> items) {
    TaskContext task = TaskContext.get();
    Reranker reranker = ExecutorRerankers.get(spec, s -> counters.modelLoaded());
    JniUtils.setNumThreads(task == null ? 1 : Math.max(1, task.cpus()));
    int[] examples = {0};
    ErrorPolicy policy =
        skip
            ? ErrorPolicy.skip(
                (BadRecordException e) -> {
                  LOG.warn("skipped {}", e.getMessage());
                  counters.skipped.add(1);
                  if (examples[0]++ < JobCounters.EXAMPLES_PER_TASK) {
                    counters.skippedExamples.add(e.getMessage());
                  }
                })
            : ErrorPolicy.FAIL;
    return new Iterator<>() {
      final Deque<String> ready = new ArrayDeque<>();
      long written;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && items.hasNext()) scoreGroup();
        return !ready.isEmpty();
      }

      @Override
      public String next() {
        if (!hasNext()) throw new NoSuchElementException();
        String out = ready.poll();
        hook.afterQuery(task, ++written);
        return out;
      }

      private void scoreGroup() {
        List<CandidatesRecord> group = new ArrayList<>();
        int passages = 0;
        while (passages < GROUP_PASSAGES && items.hasNext()) {
          CandidatesRecord r = records.toRecord(items.next(), policy);
          if (r == null) continue;
          group.add(r);
          passages += r.candidates().candidates().size();
        }
        if (group.isEmpty()) return;
        List<Query> queries = new ArrayList<>(group.size());
        List<List<Passage>> lists = new ArrayList<>(group.size());
        for (CandidatesRecord r : group) {
          queries.add(r.query());
          lists.add(r.candidates().passages());
        }
        List<double[]> scores = reranker.scoreAll(queries, lists);
        for (int i = 0; i < group.size(); i++) {
          String text = CandidatesWriter.render(group.get(i), scores.get(i), format, tag);
          // the text writer ends every row with a newline; a query without candidates has no
          // TREC lines at all
          if (!text.isEmpty()) ready.add(text.substring(0, text.length() - 1));
        }
        counters.queries.add(group.size());
        counters.passages.add(passages);
      }
    };
  }
}
