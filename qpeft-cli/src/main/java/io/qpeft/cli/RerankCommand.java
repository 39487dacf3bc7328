package io.qpeft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.BadRecordException;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesReader;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.CandidatesSource;
import io.qpeft.data.CandidatesWriter;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.RecordReader;
import io.qpeft.eval.AnswerMatcher;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.RerankerFactory;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft rerank}: reorders each query's candidates by the score of a reranking method (UPR
 * query likelihood, a trained Q-PEFT adapter, or an LLM reranker's yes/no judgement; see {@link
 * MethodOptions}). Long runs are resumable: each finished query's scores are appended to {@code
 * OUT.partial} and forced to disk; running the same command again skips them. The output is written
 * atomically once every query is scored, and the journal is then deleted.
 */
@Command(
    name = "rerank",
    mixinStandardHelpOptions = true,
    description = {
      "Rerank each query's candidate passages with a frozen LLM: UPR query likelihood (default),"
          + " a Q-PEFT adapter, or an LLM reranker's yes/no judgement (Qwen3-Reranker, bge-reranker-v2-gemma).",
      "Input: JSONL requests, DPR retriever JSON (+ --passages), or a TREC run (+ --corpus and --queries).",
      "Interrupted runs resume: rerun the same command; finished queries are kept in OUTPUT.partial."
    })
public final class RerankCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Passages scored together; several queries share forward passes up to this many. */
  private static final int GROUP_PASSAGES = 256;

  @Spec CommandSpec spec;
  @Mixin ModelOptions modelOptions;
  @Mixin MethodOptions methodOptions;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "FILE",
      description =
          "Candidates: JSONL requests, DPR JSON or a TREC run (detected from the content).")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "FILE",
      description = "Reranked output, written atomically at the end.")
  Path output;

  @Option(
      names = "--format",
      paramLabel = "FMT",
      description =
          "Output format: trec, jsonl or dpr (default: from the --output name: .jsonl, .json = dpr, else trec).")
  String format;

  @Option(
      names = "--passages",
      paramLabel = "TSV",
      description = "DPR passages (id, text, title) for DPR input whose ctxs have no text.")
  Path passages;

  @Option(
      names = "--corpus",
      paramLabel = "FILE",
      description = "Collection for a TREC run: BEIR corpus.jsonl (or folder) or a TSV.")
  Path corpus;

  @Option(
      names = "--queries",
      paramLabel = "FILE",
      description = "Query texts for a TREC run: BEIR queries.jsonl or a TSV.")
  Path queries;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      defaultValue = "0",
      description =
          "Rerank only each query's first K candidates (the retriever's top K); 0 = all (default).")
  int topK;

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      defaultValue = "qpeft",
      description = "Run tag in TREC output (default: ${DEFAULT-VALUE}).")
  String tag;

  @Option(
      names = "--on-error",
      paramLabel = "POLICY",
      defaultValue = "fail",
      converter = OnErrorConverter.class,
      description =
          "fail: stop at a malformed input record; skip: report it on stderr and leave it out (default: ${DEFAULT-VALUE}).")
  OnError onError;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::rerank);
  }

  private int rerank() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (topK < 0) throw new IllegalArgumentException("--top-k must be >= 0 (0 = all), got " + topK);
    if (passages != null && corpus != null)
      throw new IllegalArgumentException("give --passages (DPR) or --corpus (TREC), not both");
    CandidatesWriter.Format outFormat =
        format == null ? CandidatesWriter.Format.of(output) : CandidatesWriter.Format.parse(format);
    CandidatesSource source =
        CandidatesSource.detect(input, passages != null ? passages : corpus, queries)
            .withDepth(topK);
    Path modelDir = modelOptions.modelDir();
    RerankerFactory factory =
        methodOptions.factory(
            spec.qualifiedName(), modelOptions.model, modelDir, modelOptions.batchTokens(), err);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("model", modelDir.toAbsolutePath().normalize().toString());
    settings.put("input", input.toAbsolutePath().normalize().toString());
    settings.put(
        "collection",
        source.collection() == null
            ? null
            : source.collection().toAbsolutePath().normalize().toString());
    settings.put(
        "queries",
        source.queries() == null ? null : source.queries().toAbsolutePath().normalize().toString());
    settings.put("top_k", topK);
    settings.setAll((ObjectNode) JSON.valueToTree(factory.settings()));
    // F16 scores differ from F32 ones in the 2nd-3rd digit: a resumed run keeps its dtype
    settings.put("dtype", Models.placement(modelDir, modelOptions.engineOptions()).dtype().label());

    int total = count(source); // malformed records are reported by the scoring pass
    Path journalFile = RerankJournal.nextTo(output);
    try (RerankJournal journal = RerankJournal.open(journalFile, settings)) {
      if (journal.size() > 0)
        err.println(
            "qpeft rerank: resuming: "
                + journal.size()
                + " of "
                + total
                + " queries already scored in "
                + journalFile);
      if (journal.size() < total) {
        try (TransformerLm model = modelOptions.load(modelDir);
            TextTokenizer tokenizer = TextTokenizer.load(modelDir);
            Reranker reranker = factory.create(model, tokenizer, modelDir)) {
          score(source, reranker, journal, total, err);
        }
      }
      try (RecordReader<CandidatesRecord> in = CandidatesReader.openRecords(source, quiet());
          CandidatesWriter out =
              CandidatesWriter.open(output, outFormat, tag)
                  .optHasAnswer(AnswerMatcher.STRING::hasAnswer)) {
        for (int i = 0; in.hasNext(); i++) {
          CandidatesRecord rec = in.next();
          RerankJournal.Entry done =
              journal.done(i, rec.query().qid(), rec.candidates().candidates().size());
          if (done == null)
            throw new IllegalStateException(
                "query " + i + " (" + rec.query().qid() + ") was not scored");
          out.write(rec, done.scores());
        }
        out.commit();
      }
      journal.finish();
    }
    err.println(
        "qpeft rerank: wrote "
            + total
            + " queries to "
            + output
            + " ("
            + outFormat.name().toLowerCase(java.util.Locale.ROOT)
            + ")");
    return 0;
  }

  /** Scores the queries the journal lacks, a group of queries at a time, journaling each. */
  private void score(
      CandidatesSource source, Reranker reranker, RerankJournal journal, int total, PrintWriter err)
      throws IOException {
    ErrorPolicy policy =
        onError == OnError.FAIL
            ? ErrorPolicy.FAIL
            : ErrorPolicy.skip(e -> err.println("qpeft rerank: skipped " + e.getMessage()));
    ProgressBar bar = Progress.bar("rerank", total, journal.size(), "queries");
    try (RecordReader<Candidates> in = CandidatesReader.open(source, policy)) {
      List<Pending> group = new ArrayList<>();
      int passagesInGroup = 0;
      for (int i = 0; in.hasNext(); i++) {
        Candidates c = in.next();
        if (journal.done(i, c.query().qid(), c.candidates().size()) != null) continue;
        group.add(new Pending(i, c));
        passagesInGroup += c.candidates().size();
        if (passagesInGroup >= GROUP_PASSAGES) {
          flush(reranker, journal, group, bar);
          passagesInGroup = 0;
        }
      }
      flush(reranker, journal, group, bar);
    } finally {
      Progress.close(bar);
    }
  }

  /** A query not scored yet: its position in the input and its candidates. */
  private record Pending(int index, Candidates candidates) {}

  /** Scores the group in one call (the reranker batches across its queries) and journals it. */
  private static void flush(
      Reranker reranker, RerankJournal journal, List<Pending> group, ProgressBar bar)
      throws IOException {
    if (group.isEmpty()) return;
    List<double[]> scores =
        reranker.scoreAll(
            group.stream().map(p -> p.candidates().query()).toList(),
            group.stream().map(p -> p.candidates().passages()).toList());
    for (int k = 0; k < group.size(); k++) {
      Pending p = group.get(k);
      journal.add(p.index(), p.candidates().query().qid(), scores.get(k));
      Progress.step(bar, 1);
    }
    group.clear();
  }

  /**
   * The number of (well-formed) queries in the input, for the progress bar and the resume check.
   */
  private int count(CandidatesSource source) {
    int n = 0;
    try (RecordReader<CandidatesRecord> in = CandidatesReader.openRecords(source, quiet())) {
      for (; in.hasNext(); in.next()) n++;
    }
    return n;
  }

  /**
   * Reading passes after the first: malformed records were reported already (or failed the run).
   */
  private ErrorPolicy quiet() {
    return onError == OnError.FAIL
        ? ErrorPolicy.FAIL
        : ErrorPolicy.skip((BadRecordException e) -> {});
  }

  /** Shell-friendly escapes in templates: {@code \n} and {@code \t}. */
  static String unescape(String s) {
    return s.replace("\\n", "\n").replace("\\t", "\t");
  }
}
