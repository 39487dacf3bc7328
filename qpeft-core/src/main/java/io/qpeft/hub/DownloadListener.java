package io.qpeft.hub;

/**
 * Progress of file downloads, for a progress bar. Called on the downloading thread. The core
 * library never prints; the CLI turns these calls into a progress bar.
 */
public interface DownloadListener {
  DownloadListener NONE = new DownloadListener() {};

  /**
   * A file download begins.
   *
   * @param totalBytes the file size, or -1 if the server did not say
   * @param resumedFrom bytes already on disk from an earlier, interrupted download
   */
  default void started(String file, long totalBytes, long resumedFrom) {}

  /** {@code bytesDone} bytes of the file are on disk (including resumed ones). */
  default void progressed(String file, long bytesDone) {}

  /** The file is complete and in the cache. */
  default void finished(String file) {}
}
