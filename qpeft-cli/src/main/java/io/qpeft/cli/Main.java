package io.qpeft.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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
