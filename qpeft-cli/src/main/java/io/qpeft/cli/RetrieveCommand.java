package io.qpeft.cli;

import io.qpeft.data.Candidate;
import io.qpeft.data.Query;
import io.qpeft.data.QueryReader;
import io.qpeft.retrieval.Bm25Params;
import io.qpeft.retrieval.Bm25Retriever;
import io.qpeft.retrieval.DenseRetriever;
import io.qpeft.retrieval.HybridRetriever;
import io.qpeft.retrieval.ReciprocalRankFusion;
import io.qpeft.retrieval.Retriever;
import io.qpeft.retrieval.SentenceEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft retrieve}: first-stage retrieval for a query set, written as a TREC run and/or
 * JSONL.
 */
@Command(
    name = "retrieve",
    mixinStandardHelpOptions = true,
    description =
        "Retrieve the top passages for every query from an index built by 'qpeft index', with BM25,"
            + " dense retrieval or their reciprocal-rank fusion, and write a TREC run and/or"
            + " rerank-ready JSONL.")
public final class RetrieveCommand implements Callable<Integer> {
  /** Retrieval modes. */
  enum Mode {
    bm25,
    dense,
    hybrid
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--index",
      required = true,
      paramLabel = "DIR",
      description = "Index folder from 'qpeft index'.")
  Path index;

  @Option(
      names = "--queries",
      required = true,
      paramLabel = "FILE",
      description = "Queries: BEIR queries.jsonl or TSV (qid<TAB>text).")
  Path queries;

  @Option(
      names = "--hits",
      paramLabel = "N",
      description = "Candidates per query (default: ${DEFAULT-VALUE}).")
  int hits = 100;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      description = "bm25, dense or hybrid (default: ${DEFAULT-VALUE}).")
  Mode mode = Mode.bm25;

  @Option(
      names = "--run",
      paramLabel = "OUT.trec",
      description = "TREC run output: qid Q0 docid rank score tag.")
  Path run;

  @Option(
      names = "--jsonl",
      paramLabel = "OUT.jsonl",
      description =
          "Rerank-ready JSONL: {\"query\":{qid,text},\"candidates\":[{docid,score,doc:{title,text}}]} per line.")
  Path jsonl;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Search threads (default: ${DEFAULT-VALUE}).")
  int threads = Runtime.getRuntime().availableProcessors();

  @Option(names = "--k1", description = "BM25 k1 (default: ${DEFAULT-VALUE}, Anserini's).")
  float k1 = Bm25Params.ANSERINI.k1();

  @Option(names = "--b", description = "BM25 b (default: ${DEFAULT-VALUE}, Anserini's).")
  float b = Bm25Params.ANSERINI.b();

  @Option(
      names = "--rrf-k",
      paramLabel = "K",
      description = "Reciprocal-rank fusion constant (default: ${DEFAULT-VALUE}).")
  int rrfK = ReciprocalRankFusion.DEFAULT_K;

  @Option(
      names = "--depth",
      paramLabel = "N",
      description = "Hybrid: candidates taken from each retriever (default: --hits).")
  Integer depth;

  @Option(
      names = "--encoder",
      paramLabel = "DIR",
      description = "Dense: ONNX encoder folder overriding the one recorded in the index.")
  Path encoder;

  @Option(names = "--tag", description = "Run tag in the TREC run (default: qpeft-MODE).")
  String tag;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      description = "Queries per batch (default: ${DEFAULT-VALUE}).")
  int batchSize = 64;

  @Override
  public Integer call() {
    return Cli.run(spec, this::retrieve);
  }

  private int retrieve() throws Exception {
    if (run == null && jsonl == null)
      throw new ParameterException(spec.commandLine(), "give --run and/or --jsonl");
    if (hits <= 0) throw new IllegalArgumentException("--hits must be positive, got " + hits);
    if (threads <= 0)
      throw new IllegalArgumentException("--threads must be positive, got " + threads);
    if (batchSize <= 0)
      throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
    Bm25Params params = new Bm25Params(k1, b);
    List<Query> qs = QueryReader.read(queries);
    String runTag = tag != null ? tag : "qpeft-" + mode;
    if (runTag.isEmpty() || runTag.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "--tag must be non-empty without spaces, got '" + runTag + "'");
    }
    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (SentenceEncoder enc =
            encoder == null
                ? null
                : SentenceEncoder.open(encoder, IndexCommand.intraOpThreads(threads));
        Retriever retriever = open(params, enc);
        RunOutput out = new RunOutput(run, jsonl, runTag);
        ProgressBar bar = Progress.bar("Retrieving", qs.size(), 0, "queries")) {
      List<Future<List<List<Candidate>>>> batches = new ArrayList<>();
      for (int i = 0; i < qs.size(); i += batchSize) {
        List<Query> batch = qs.subList(i, Math.min(qs.size(), i + batchSize));
        batches.add(
            pool.submit(
                () -> {
                  List<List<Candidate>> r = retriever.searchAll(batch, hits);
                  Progress.step(bar, batch.size());
                  return r;
                }));
      }
      // write in query order while later batches are still searched
      for (int i = 0; i < batches.size(); i++) {
        List<List<Candidate>> results;
        try {
          results = batches.get(i).get();
        } catch (ExecutionException e) {
          // rethrow the search's own exception, whose message names the bad input
          if (e.getCause() instanceof RuntimeException re) throw re;
          throw e;
        }
        for (int j = 0; j < results.size(); j++)
          out.write(qs.get(i * batchSize + j), results.get(j));
      }
      out.commit();
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    spec.commandLine()
        .getOut()
        .printf(
            "Retrieved %d queries x %d hits (%s) in %.1f s (%.1f queries/s)%n",
            qs.size(), hits, mode, seconds, qs.size() / seconds);
    return 0;
  }

  private Retriever open(Bm25Params params, SentenceEncoder enc) {
    switch (mode) {
      case bm25:
        return Bm25Retriever.open(index, params);
      case dense:
        return enc == null
            ? DenseRetriever.open(index, IndexCommand.intraOpThreads(threads))
            : DenseRetriever.open(index, enc);
      default:
        Retriever sparse = Bm25Retriever.open(index, params);
        try {
          Retriever dense =
              enc == null
                  ? DenseRetriever.open(index, IndexCommand.intraOpThreads(threads))
                  : DenseRetriever.open(index, enc);
          return new HybridRetriever(List.of(sparse, dense), rrfK, depth == null ? hits : depth);
        } catch (RuntimeException e) {
          sparse.close();
          throw e;
        }
    }
  }
}
