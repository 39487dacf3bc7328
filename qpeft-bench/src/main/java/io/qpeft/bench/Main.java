package io.qpeft.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code qpeft-bench}: the benchmarks and experiments, kept apart from the product
 * command line ({@code qpeft}). Each prints its figures next to a reference measured in the same
 * run. A new benchmark is one more subcommand here.
 */
@Command(
    name = "qpeft-bench",
    mixinStandardHelpOptions = true,
    version = "qpeft-bench 0.1.0",
    description = "Benchmarks and experiments of qpeft; each prints figures against a reference.",
    subcommands = {
      CommandLine.HelpCommand.class,
      BenchCommand.class,
      BenchTrainCommand.class,
      BenchRetrievalCommand.class,
      BenchServeCommand.class,
      BenchFormatsCommand.class,
      BenchSparkCommand.class
    })
public final class Main implements Runnable {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    CommandLine cl = new CommandLine(new Main());
    int code = cl.execute(args);
    cl.getOut().flush();
    cl.getErr().flush();
    System.exit(code);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
