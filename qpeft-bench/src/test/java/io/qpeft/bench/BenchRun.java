package io.qpeft.bench;

import io.qpeft.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the {@code qpeft-bench} command line in-process and captures what it prints. */
record BenchRun(int exitCode, String out, String err) {
  /** The tiny Llama fixture model shared by the core tests. */
  static final Path TINY_LLAMA = Fixtures.model("tiny-llama");

  static BenchRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new Main())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute(args);
    return new BenchRun(code, out.toString(), err.toString());
  }
}
