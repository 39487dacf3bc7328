package io.qpeft.cli;

import ai.djl.engine.EngineException;
import io.qpeft.hub.HubException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * The one error convention of the {@code qpeft} and {@code qpeft-bench} commands. Every command's
 * {@code call()} is {@code return Cli.run(spec, this::body)}, and writes through {@code
 * spec.commandLine().getOut()} and {@code getErr()}, never {@code System.out}.
 *
 * <ul>
 *   <li>Usage errors (an unknown or missing option, a value of the wrong type, options that need
 *       each other) are picocli's {@link ParameterException}: its message and the usage help, exit
 *       code 2.
 *   <li>Bad input or environment (a value out of range, a missing or malformed file, a model that
 *       cannot be loaded, a failed download, too little memory): one line {@code qpeft <command>:
 *       <problem>} on stderr, exit code 1.
 *   <li>Anything else is a bug: one line {@code qpeft <command>: internal error: <exception>}, exit
 *       code 1; with the environment variable {@code QPEFT_DEBUG} set, the stack trace follows.
 * </ul>
 */
public final class Cli {
  private Cli() {}

  /** Runs {@code body} under the convention above; returns its exit code, or 1 on failure. */
  public static int run(CommandSpec spec, Callable<Integer> body) {
    CommandLine cl = spec.commandLine();
    PrintWriter err = cl.getErr();
    try {
      return body.call();
    } catch (ParameterException e) {
      throw e; // picocli prints the message and the usage, and exits with 2
    } catch (IllegalArgumentException
        | UnsupportedOperationException
        | HubException
        | EngineException
        | UncheckedIOException
        | IOException e) {
      err.println(spec.qualifiedName() + ": " + describe(e));
      return 1;
    } catch (OutOfMemoryError e) {
      err.println(
          spec.qualifiedName()
              + ": out of memory; lower --batch-tokens where the command has it, or give the JVM"
              + " more (QPEFT_JAVA_OPTS=-Xmx16g)");
      return 1;
    } catch (Exception e) {
      err.println(
          spec.qualifiedName()
              + ": internal error: "
              + e
              + (debug() ? "" : " (set QPEFT_DEBUG=1 for the stack trace)"));
      if (debug()) e.printStackTrace(err);
      return 1;
    } finally {
      cl.getOut().flush();
      err.flush();
    }
  }

  /** Refuses a value below 1 of an option: {@code --name must be positive, got value}. */
  public static void requirePositive(String option, long value) {
    if (value <= 0) throw new IllegalArgumentException(option + " must be positive, got " + value);
  }

  /** The problem in words: file-system exceptions name the file and what is wrong with it. */
  static String describe(Throwable e) {
    if (e instanceof UncheckedIOException u && u.getCause() != null) {
      Throwable c = u.getCause();
      String m = u.getMessage();
      if (m == null || m.equals(c.toString())) return describe(c);
      // "cannot read F" and the cause's own words, without repeating the file
      if (c instanceof FileSystemException f && f.getFile() != null && m.contains(f.getFile())) {
        return m.contains(reason(f)) ? m : m + ": " + reason(f);
      }
      if (c.getMessage() != null && m.contains(c.getMessage())) return m;
      String cause = describe(c);
      return m.contains(cause) ? m : m + ": " + cause;
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return reason(f) + ": " + f.getFile();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  private static String reason(FileSystemException f) {
    if (f instanceof NoSuchFileException) return "no such file";
    if (f instanceof NotDirectoryException) return "not a folder";
    if (f instanceof AccessDeniedException) return "permission denied";
    if (f instanceof FileAlreadyExistsException) return "already exists";
    if (f instanceof DirectoryNotEmptyException) return "folder not empty";
    return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
  }

  private static boolean debug() {
    String v = System.getenv("QPEFT_DEBUG");
    return v != null && !v.isEmpty() && !v.equals("0");
  }
}
