package io.qpeft.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A text output that appears all at once or not at all: written to a temporary file in the target's
 * folder, forced to disk and atomically renamed by {@link #commit}; closed without a commit, the
 * temporary file is deleted and an existing target is left as it was. A null target means stdout.
 */
final class OutputTarget implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private final Writer writer;
  private boolean committed;

  /**
   * @param target the file to write, or null for {@code stdout}
   * @param stdout where a null target writes (not closed)
   */
  OutputTarget(Path target, Writer stdout) throws IOException {
    this.target = target;
    if (target == null) {
      temp = null;
      channel = null;
      writer = stdout;
      return;
    }
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    channel =
        FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    writer =
        new BufferedWriter(
            new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8),
            1 << 16);
  }

  Writer writer() {
    return writer;
  }

  /** Makes the output visible under its final name. */
  void commit() throws IOException {
    writer.flush();
    if (target != null) {
      channel.force(true);
      writer.close();
      moveAtomically(temp, target);
    }
    committed = true;
  }

  static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public void close() throws IOException {
    if (target == null) {
      writer.flush();
      return;
    }
    if (!committed) {
      writer.close();
      Files.deleteIfExists(temp);
    }
  }
}
