package io.qpeft.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code qpeft} command line. */
@Command(
    name = "qpeft",
    mixinStandardHelpOptions = true,
    version = "qpeft 0.1.0",
    description = "Rerank retrieved passages with a frozen LLM (UPR and Q-PEFT).",
    subcommands = {
      CommandLine.HelpCommand.class,
      ScoreCommand.class,
      RerankCommand.class,
      IndexCommand.class,
      RetrieveCommand.class,
      EvalCommand.class,
      TrainCommand.class,
      ExperimentCommand.class,
      ServeCommand.class
    })
public final class Main implements Runnable {
  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", "true");
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
