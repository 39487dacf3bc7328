package io.qpeft.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An output folder in the Hadoop/Spark convention: a job's output committer moves the part files of
 * its successful tasks into the folder and then writes an empty {@code _SUCCESS} marker. Files
 * whose names start with {@code _} or {@code .} (the marker, {@code _temporary}, checksum files
 * such as {@code .part-00000.crc}) are bookkeeping, not data. Read as one file: the part files
 * concatenated in name order.
 */
public final class PartFiles {
  /** The marker a committed job writes last. */
  public static final String SUCCESS = "_SUCCESS";

  private PartFiles() {}

  /**
   * Whether {@code path} is a folder that looks like a job's output (it has part files or a
   * marker).
   */
  public static boolean isOutputFolder(Path path) {
    if (!Files.isDirectory(path)) return false;
    if (Files.exists(path.resolve(SUCCESS))) return true;
    try (Stream<Path> s = Files.list(path)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("part-"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + path, e);
    }
  }

  /**
   * The data files of a committed job's output folder, in name order (part-00000, part-00001, ...).
   * Refuses a folder without {@code _SUCCESS}: its job failed or is still running, so parts may be
   * missing.
   */
  public static List<Path> list(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(folder + " is not a folder");
    }
    if (!Files.exists(folder.resolve(SUCCESS))) {
      throw new IllegalArgumentException(
          folder
              + " has no "
              + SUCCESS
              + " marker: the job that writes it failed or has not finished, so part files may be"
              + " missing");
    }
    try (Stream<Path> s = Files.list(folder)) {
      return s.filter(Files::isRegularFile)
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return !name.startsWith("_") && !name.startsWith(".");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
  }

  /**
   * The files to read for {@code path}: the parts of a job's output folder, else the file itself.
   */
  static List<Path> filesOf(Path path) {
    return isOutputFolder(path) ? list(path) : List.of(path);
  }
}
