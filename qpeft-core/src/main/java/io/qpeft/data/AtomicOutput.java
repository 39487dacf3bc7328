package io.qpeft.data;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

/**
 * The one way qpeft commits an output file: all or nothing, and durable. Content goes to a
 * temporary file in the target's folder; {@link #commit()} forces it to disk, renames it over the
 * target atomically and then forces the folder's entry to disk, so that after a power cut the
 * target holds either the old content or the whole new one (never an empty or truncated file);
 * {@link #close()} without a commit deletes the temporary file and leaves an existing target as it
 * was. {@code .gz} targets are compressed. {@link #toFileOrStdout} writes to a given writer
 * (stdout) when there is no target file.
 *
 * <p>Text goes through {@link #writer()} or {@link #write}, bytes through {@link #stream()}; use
 * one of the two per output.
 */
public final class AtomicOutput implements AutoCloseable {
  private final Path target; // null: writes to the given writer
  private final Path temp;
  private final FileChannel channel;
  private final BufferedOutputStream buffered;
  private final GZIPOutputStream gzip;
  private final OutputStream stream;
  private final Writer writer;
  private boolean committed;
  private boolean closed;

  /** An output to {@code target}; {@code .gz} targets are compressed. */
  public AtomicOutput(Path target) {
    this.target = target.toAbsolutePath();
    Path dir = this.target.getParent();
    Path t = null;
    FileChannel ch = null;
    try {
      Files.createDirectories(dir);
      t = Files.createTempFile(dir, "." + this.target.getFileName() + ".", ".tmp");
      ch = FileChannel.open(t, StandardOpenOption.WRITE);
      BufferedOutputStream b = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
      this.gzip = TextFiles.isGzip(target) ? new GZIPOutputStream(b, 1 << 16) : null;
      this.buffered = b;
    } catch (IOException e) {
      closeQuietly(ch);
      deleteQuietly(t);
      throw new UncheckedIOException("cannot create output " + target + ": " + e.getMessage(), e);
    }
    this.temp = t;
    this.channel = ch;
    this.stream = gzip != null ? gzip : buffered;
    this.writer =
        new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
  }

  private AtomicOutput(Writer out) {
    target = null;
    temp = null;
    channel = null;
    buffered = null;
    gzip = null;
    stream = null;
    writer = Objects.requireNonNull(out, "out");
  }

  /**
   * An output to {@code target}, or, when {@code target} is null, to {@code stdout} (flushed by
   * {@link #commit()}, never closed).
   */
  public static AtomicOutput toFileOrStdout(Path target, Writer stdout) {
    return target == null ? new AtomicOutput(stdout) : new AtomicOutput(target);
  }

  /** Writes {@code content} to {@code file} as UTF-8, all or nothing, durably. */
  public static void writeString(Path file, String content) {
    try (AtomicOutput out = new AtomicOutput(file)) {
      out.write(content);
      out.commit();
    }
  }

  /**
   * Writes {@code bytes} (a binary file, e.g. a PNG figure) to {@code file}, all or nothing,
   * durably.
   */
  public static void writeBytes(Path file, byte[] bytes) {
    try (AtomicOutput out = new AtomicOutput(file)) {
      out.stream().write(bytes);
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves a finished file (e.g. a verified download) onto {@code to}, as {@link #commit()} does:
   * its content forced to disk first, the rename atomic where the file system allows, the folder
   * entry forced after.
   */
  public static void moveDurably(Path from, Path to) throws IOException {
    try (FileChannel ch = FileChannel.open(from, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    move(from, to);
  }

  /** The target file, or null for stdout. */
  public Path target() {
    return target;
  }

  /** The writer for text content; do not close it, close this object. */
  public Writer writer() {
    return writer;
  }

  /** The stream for binary content; do not close it, close this object. */
  public OutputStream stream() {
    if (stream == null) throw new UnsupportedOperationException("stdout takes text only");
    return stream;
  }

  public void write(String s) {
    try {
      writer.write(s);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + where() + ": " + e.getMessage(), e);
    }
  }

  /** Makes the output visible under its final name, durably (or flushes stdout). */
  public void commit() {
    if (closed) throw new IllegalStateException("output " + where() + " is already closed");
    try {
      writer.flush();
      if (target != null) {
        if (gzip != null) gzip.finish();
        buffered.flush();
        channel.force(true); // the content is on disk before the name points at it
        writer.close();
        move(temp, target);
      }
      committed = true;
      closed = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + where() + ": " + e.getMessage(), e);
    }
  }

  /** Discards the output unless {@link #commit()} was called (stdout is only flushed). */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (target == null) {
      try {
        writer.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write stdout: " + e.getMessage(), e);
      }
      return;
    }
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

  private String where() {
    return target == null ? "stdout" : target.toString();
  }

  /** Atomic rename where the file system allows it, then the folder entry forced to disk. */
  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(to.toAbsolutePath().getParent());
  }

  /**
   * Forces a folder's entries to disk (fsync on the folder), so that a rename survives a power cut.
   * Platforms that cannot open a folder for this (Windows) make renames durable by themselves.
   */
  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported here: nothing more can be done from Java
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) return;
    try {
      ch.close();
    } catch (IOException ignored) {
      // best effort: the constructor is failing already
    }
  }

  private static void deleteQuietly(Path p) {
    if (p == null) return;
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // best effort: the constructor is failing already
    }
  }
}
