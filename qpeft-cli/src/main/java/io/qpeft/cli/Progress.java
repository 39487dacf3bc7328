package io.qpeft.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr (stdout stays clean for results) for the retrieval commands. */
final class Progress {
  private Progress() {}

  /** A bar counting {@code unit}s per second, with an ETA when {@code total > 0}. */
  static ProgressBar bar(String task, String unit, long total) {
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total > 0 ? total : -1)
        .setUnit(" " + unit, 1)
        .showSpeed()
        .setSpeedUnit(ChronoUnit.SECONDS)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(500)
        .build();
  }

  /**
   * Newline count of a file (or of {@code corpus.jsonl} in a folder), read in 1 MB blocks: about
   * one record per line in every corpus format, which gives the bar its ETA. 0 when unknown
   * (no such file, or gzip).
   */
  static long countLines(Path corpus) {
    Path file = Files.isDirectory(corpus) ? corpus.resolve("corpus.jsonl") : corpus;
    if (!Files.isRegularFile(file) || file.getFileName().toString().endsWith(".gz")) return 0;
    long lines = 0;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (ch.read(buf) > 0) {
        buf.flip();
        while (buf.hasRemaining()) if (buf.get() == '\n') lines++;
        buf.clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return lines;
  }
}
