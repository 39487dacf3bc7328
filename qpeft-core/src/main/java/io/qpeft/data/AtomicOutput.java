package io.qpeft.data;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPOutputStream;

/**
 * A text output file written all-or-nothing: text goes to a temporary file in the target's folder,
 * {@link #commit()} moves it over the target atomically, and {@link #close()} without a commit
 * deletes it, so a failed run never leaves a truncated file behind. {@code .gz} targets are
 * compressed.
 */
public final class AtomicOutput implements AutoCloseable {
  private final Path target;
  private final Path temp;
  private final Writer writer;
  private boolean committed;
  private boolean closed;

  public AtomicOutput(Path target) {
    this.target = target.toAbsolutePath();
    try {
      Path dir = this.target.getParent();
      Files.createDirectories(dir);
      this.temp = Files.createTempFile(dir, "." + this.target.getFileName(), ".tmp");
      OutputStream os = Files.newOutputStream(temp);
      if (TextFiles.isGzip(target)) os = new GZIPOutputStream(os, 1 << 16);
      this.writer = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create output " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code bytes} (a binary file, e.g. a PNG figure) to {@code target} all-or-nothing: a
   * temporary file in the same folder, then an atomic move.
   */
  public static void writeBytes(Path target, byte[] bytes) {
    Path abs = target.toAbsolutePath();
    try {
      Files.createDirectories(abs.getParent());
      Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
      try {
        Files.write(tmp, bytes);
        try {
          Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  public Path target() {
    return target;
  }

  /** The writer for the content; do not close it, close this object. */
  public Writer writer() {
    return writer;
  }

  public void write(String s) {
    try {
      writer.write(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /** Flushes and moves the temporary file onto the target. */
  public void commit() {
    if (closed) throw new IllegalStateException("output " + target + " is already closed");
    try {
      writer.close();
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      committed = true;
      closed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Discards the output unless {@link #commit()} was called. */
  @Override
  public void close() {
    if (committed || closed) return;
    closed = true;
    try {
      writer.close();
    } catch (IOException ignored) {
      // the content is being discarded anyway
    }
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + temp, e);
    }
  }
}
