package io.qpeft.cli;

import io.qpeft.rerank.Aggregation;
import io.qpeft.rerank.KnownRerankers;
import io.qpeft.rerank.PromptTemplate;
import io.qpeft.rerank.RerankMethod;
import io.qpeft.rerank.RerankerFactory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The reranking method and its options, shared by {@code qpeft rerank} and {@code qpeft serve}:
 * both build their reranker through {@link RerankerFactory} from these.
 */
public final class MethodOptions {
  @Option(
      names = "--method",
      paramLabel = "METHOD",
      description =
          "upr (query likelihood), qpeft (with --adapter), qwen3-reranker, bge-gemma or yesno"
              + " (your own --template and --answer-tokens). Default: qpeft with --adapter; the"
              + " model's own method when it is a known reranker (Qwen3-Reranker, bge-reranker-v2-gemma);"
              + " else upr.")
  String method;

  @Option(
      names = "--adapter",
      paramLabel = "DIR",
      description =
          "A Q-PEFT adapter folder from qpeft train (method qpeft); it brings its own template and"
              + " passage budget (--max-passage-tokens is not used).")
  Path adapter;

  @Option(
      names = "--instruction",
      paramLabel = "TEXT",
      description =
          "Yes/no methods: the instruction (qwen3-reranker: <Instruct>; bge-gemma: the prompt after"
              + " the passage); default: the model card's.")
  String instruction;

  @Option(
      names = "--template",
      paramLabel = "PROMPT",
      description =
          "upr: 'upr' (default) or a prompt with {passage}, {title} or {text}. yesno: the prompt"
              + " with {query}, {passage} (or {title}, {text}) and optionally {instruction}."
              + " \\n means a newline.")
  String template;

  @Option(
      names = "--target-template",
      paramLabel = "TARGET",
      description = "upr: the scored text, with {query} (default: ' {query}').")
  String targetTemplate;

  @Option(
      names = "--answer-tokens",
      paramLabel = "YES[,NO]",
      split = ",",
      hideParamSyntax = true,
      description =
          "yesno: the answer token scored (score = its logit), or YES,NO (score = probability of YES"
              + " over the two); each must be one token.")
  List<String> answerTokens;

  @Option(
      names = "--aggregation",
      paramLabel = "AGG",
      description = "upr: query token log-likelihoods -> score: mean (default) or sum.")
  String aggregation;

  @Option(
      names = "--max-passage-tokens",
      paramLabel = "N",
      defaultValue = "300",
      description = "Passage tokens kept (the start of the passage; default: ${DEFAULT-VALUE}).")
  int maxPassageTokens;

  /**
   * The factory for these options. Without {@code --method}: qpeft when {@code --adapter} is given,
   * else the method of a known reranker named by {@code model} or {@code modelDir} (said on {@code
   * err}), else upr.
   *
   * @param command the command name for messages, e.g. {@code qpeft rerank}
   */
  RerankerFactory factory(
      String command, String model, Path modelDir, int batchTokens, PrintWriter err) {
    if (maxPassageTokens <= 0) {
      throw new IllegalArgumentException(
          "--max-passage-tokens must be positive, got " + maxPassageTokens);
    }
    RerankMethod m = method(command, model, modelDir, err);
    RerankerFactory.Builder b =
        RerankerFactory.builder()
            .setMethod(m)
            .optAdapter(adapter)
            .optInstruction(instruction == null ? null : RerankCommand.unescape(instruction))
            .optAnswerTokens(
                answerTokens == null
                    ? null
                    : answerTokens.stream().map(RerankCommand::unescape).toList())
            .optMaxPassageTokens(maxPassageTokens)
            .optBatchTokens(batchTokens);
    if (m.isYesNo()) {
      if (targetTemplate != null) {
        throw new IllegalArgumentException("--target-template applies to method upr, not " + m);
      }
      if (template != null) b.optYesNoTemplate(RerankCommand.unescape(template));
    } else if (template != null || targetTemplate != null) {
      b.optPromptTemplate(uprTemplate());
    }
    if (aggregation != null) b.optAggregation(Aggregation.parse(aggregation));
    return b.build();
  }

  private RerankMethod method(String command, String model, Path modelDir, PrintWriter err) {
    if (method != null) return RerankMethod.parse(method);
    if (adapter != null) return RerankMethod.QPEFT;
    Optional<KnownRerankers.Match> known = KnownRerankers.detect(model, modelDir);
    if (known.isEmpty()) return RerankMethod.UPR;
    KnownRerankers.Match k = known.get();
    err.println(
        command
            + ": "
            + k.name()
            + " ("
            + k.source()
            + ") is a known reranker: using --method "
            + k.method()
            + " (give --method to choose another)");
    err.flush();
    return k.method();
  }

  private PromptTemplate uprTemplate() {
    String target = RerankCommand.unescape(targetTemplate == null ? " {query}" : targetTemplate);
    String prompt =
        template == null || template.equalsIgnoreCase("upr")
            ? PromptTemplate.UPR.prompt()
            : RerankCommand.unescape(template);
    return PromptTemplate.of(prompt, target);
  }
}
