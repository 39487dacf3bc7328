package io.qpeft.cli;

import io.qpeft.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the {@code qpeft} command line in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {
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
    return new CliRun(code, out.toString(), err.toString());
  }
}
