package io.qpeft.cli;

import io.qpeft.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Runs the {@code qpeft} command line in-process and captures what it prints. The start-up line a
 * command prints when it loads a model ({@code qpeft rerank: device cpu, PyTorch ...}) is taken out
 * of {@code err} into {@code startup}, so that tests can compare the rest exactly.
 */
record CliRun(int exitCode, String out, String err, List<String> startup) {
  private static final Pattern STARTUP =
      Pattern.compile("qpeft [a-z-]+: device (cpu|cuda:\\d+)( \\(.*\\))?, PyTorch .*\n");

  /** The tiny Llama fixture model shared by the core tests. */
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  static final Path GOLDEN_TINY_LLAMA = Fixtures.file("golden/tiny-llama.json");

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    List<String> startup = new ArrayList<>();
    Matcher m = STARTUP.matcher(err.toString());
    StringBuilder rest = new StringBuilder();
    while (m.find()) {
      startup.add(m.group().trim());
      m.appendReplacement(rest, "");
    }
    m.appendTail(rest);
    return new CliRun(code, out.toString(), rest.toString(), startup);
  }
}
