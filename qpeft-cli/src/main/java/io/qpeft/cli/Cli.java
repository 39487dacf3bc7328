package io.qpeft.cli;

import io.qpeft.hub.HubException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** Turns the exceptions that mean "bad input or environment" into one clear line on stderr. */
public final class Cli {
  private Cli() {}

  /** Runs {@code body}; expected failures print {@code qpeft <command>: <message>} and return 1. */
  public static int run(CommandSpec spec, Callable<Integer> body) throws Exception {
    try {
      return body.call();
    } catch (IllegalArgumentException
        | UnsupportedOperationException
        | HubException
        | UncheckedIOException
        | IOException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      spec.commandLine().getErr().println(spec.qualifiedName() + ": " + message);
      return 1;
    }
  }
}
