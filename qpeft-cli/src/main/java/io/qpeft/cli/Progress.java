package io.qpeft.cli;

import io.qpeft.hub.DownloadListener;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on stderr, shown only when a person is watching (a console is attached): in logs
 * and pipes a bar is noise made of carriage returns.
 */
final class Progress {
  private Progress() {}

  static boolean interactive() {
    return System.console() != null;
  }

  /**
   * A bar counting {@code unit}s up to {@code max}, starting at {@code done}; null when not shown.
   */
  static ProgressBar bar(String task, long max, long done, String unit) {
    if (!interactive()) return null;
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(max)
        .startsFrom(done, Duration.ZERO)
        .setUnit(" " + unit, 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .showSpeed()
        .build();
  }

  static void step(ProgressBar bar, long n) {
    if (bar != null) bar.stepBy(n);
  }

  static void close(ProgressBar bar) {
    if (bar != null) bar.close();
  }

  /** One bar per downloaded file, in MiB. */
  static DownloadListener downloads() {
    if (!interactive()) return DownloadListener.NONE;
    return new DownloadListener() {
      private ProgressBar bar;

      @Override
      public void started(String file, long totalBytes, long resumedFrom) {
        if (bar != null) bar.close();
        bar =
            new ProgressBarBuilder()
                .setTaskName(file)
                .setInitialMax(totalBytes)
                .startsFrom(resumedFrom, Duration.ZERO)
                .setUnit(" MiB", 1 << 20)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .showSpeed()
                .build();
      }

      @Override
      public void progressed(String file, long bytesDone) {
        if (bar != null) bar.stepTo(bytesDone);
      }

      @Override
      public void finished(String file) {
        if (bar != null) bar.close();
        bar = null;
      }
    };
  }
}
