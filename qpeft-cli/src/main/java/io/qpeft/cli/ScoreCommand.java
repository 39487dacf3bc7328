package io.qpeft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import io.qpeft.model.LanguageModel;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.ScoreRequest;
import io.qpeft.model.TargetScore;
import io.qpeft.tokenizer.TextTokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * {@code qpeft score}: log-probabilities of target tokens given a prompt, one JSON line in, one
 * JSON line out, in input order. Text is tokenized with the model's tokenizer: the prompt with its
 * usual special tokens, the target without.
 */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = {
      "Log-probabilities of target tokens given a prompt under a frozen causal LM.",
      "Input lines: {\"prompt_ids\":[...],\"target_ids\":[...]} or {\"prompt\":\"...\",\"target\":\"...\"}"
          + " (an optional \"id\" is copied to the output).",
      "Output lines, in input order: {\"target_ids\":[...],\"target_logprobs\":[...],\"sum_logprob\":x,\"mean_logprob\":y}."
    })
public final class ScoreCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;
  @Mixin ModelOptions modelOptions;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "JSONL requests.")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "JSONL scores, written atomically (default: stdout).")
  Path output;

  @Option(
      names = "--on-error",
      paramLabel = "POLICY",
      defaultValue = "fail",
      description =
          "fail: stop at a malformed line; skip: write {\"error\":...} for it so lines stay aligned (default: ${DEFAULT-VALUE}).",
      converter = OnErrorConverter.class)
  OnError onError;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::score);
  }

  private int score() throws IOException {
    if (!Files.isRegularFile(input))
      throw new IllegalArgumentException("--input " + input + ": no such file");
    Path dir = modelOptions.modelDir();
    int errors = 0;
    try (LanguageModel model = modelOptions.load(dir);
        TextTokenizer tokenizer = TextTokenizer.load(dir);
        BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8);
        AtomicOutput out = AtomicOutput.toFileOrStdout(output, spec.commandLine().getOut())) {
      // a chunk spans several forward passes so the model can group similar lengths
      int batchTokens = modelOptions.batchTokens(model);
      long chunkTokens = 4L * batchTokens;
      List<Line> chunk = new ArrayList<>();
      long tokens = 0;
      ProgressBar bar = Progress.bar("score", Files.size(input), 0, "B");
      int lineNo = 0;
      for (String text; (text = in.readLine()) != null; ) {
        lineNo++;
        Line line = parse(text, lineNo, model, tokenizer);
        if (line.error != null) {
          if (onError == OnError.FAIL) throw new IllegalArgumentException(line.error);
          errors++;
        }
        chunk.add(line);
        tokens += line.request == null ? 0 : line.request.length();
        Progress.step(bar, text.getBytes(StandardCharsets.UTF_8).length + 1L);
        if (tokens >= chunkTokens || chunk.size() >= 4096) {
          write(model, chunk, batchTokens, out.writer());
          chunk.clear();
          tokens = 0;
        }
      }
      write(model, chunk, batchTokens, out.writer());
      Progress.close(bar);
      out.commit();
    }
    if (errors > 0)
      spec.commandLine()
          .getErr()
          .println("qpeft score: skipped " + errors + " malformed line(s) of " + input);
    return 0;
  }

  /** A parsed input line: a request, or the reason it is malformed. */
  private record Line(JsonNode id, ScoreRequest request, String error) {}

  private Line parse(String text, int lineNo, LanguageModel model, TextTokenizer tokenizer) {
    String where = input + ":" + lineNo + ": ";
    ModelConfig config = model.config();
    JsonNode id = null;
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject())
        throw new IllegalArgumentException("expected a JSON object");
      id = node.get("id");
      int[] prompt = ids(node, "prompt_ids", "prompt", config, tokenizer, true);
      int[] target = ids(node, "target_ids", "target", config, tokenizer, false);
      ScoreRequest request = new ScoreRequest(prompt, target);
      if (request.length() - 1 > model.maxSequenceLength()) {
        throw new IllegalArgumentException(
            "prompt + target is "
                + request.length()
                + " tokens; the model takes at most "
                + (model.maxSequenceLength() + 1));
      }
      return new Line(id, request, null);
    } catch (JsonProcessingException e) {
      return new Line(null, null, where + "not valid JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      return new Line(id, null, where + e.getMessage());
    }
  }

  /** Token ids from {@code idsField} (a JSON int array) or {@code textField} (tokenized). */
  private static int[] ids(
      JsonNode node,
      String idsField,
      String textField,
      ModelConfig config,
      TextTokenizer tokenizer,
      boolean specialTokens) {
    JsonNode ids = node.get(idsField);
    JsonNode text = node.get(textField);
    if ((ids == null) == (text == null)) {
      throw new IllegalArgumentException(
          "give exactly one of \"" + idsField + "\" (token ids) and \"" + textField + "\" (text)");
    }
    if (text != null) {
      if (!text.isTextual())
        throw new IllegalArgumentException("\"" + textField + "\" must be a string");
      return specialTokens
          ? tokenizer.encodeWithSpecialTokens(text.asText())
          : tokenizer.encode(text.asText());
    }
    if (!ids.isArray())
      throw new IllegalArgumentException("\"" + idsField + "\" must be an array of token ids");
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = ids.get(i);
      if (!v.canConvertToInt()
          || !v.isIntegralNumber()
          || v.asInt() < 0
          || v.asInt() >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "\""
                + idsField
                + "\"["
                + i
                + "] = "
                + v
                + " is not a token id in [0, "
                + config.vocabSize()
                + ")");
      }
      out[i] = v.asInt();
    }
    return out;
  }

  private static void write(LanguageModel model, List<Line> chunk, int batchTokens, Writer out)
      throws IOException {
    List<ScoreRequest> requests =
        chunk.stream().filter(l -> l.request != null).map(Line::request).toList();
    List<TargetScore> scores = requests.isEmpty() ? List.of() : model.score(requests, batchTokens);
    int next = 0;
    for (Line line : chunk) {
      ObjectNode o = JSON.createObjectNode();
      if (line.id != null) o.set("id", line.id);
      if (line.request == null) {
        o.put("error", line.error);
      } else {
        TargetScore s = scores.get(next++);
        ArrayNode ids = o.putArray("target_ids");
        for (int t : s.targetIds()) ids.add(t);
        ArrayNode lps = o.putArray("target_logprobs");
        for (float lp : s.targetLogprobs()) lps.add(lp);
        o.put("sum_logprob", s.sumLogprob());
        o.put("mean_logprob", s.meanLogprob());
      }
      out.write(JSON.writeValueAsString(o));
      out.write('\n');
    }
  }
}
