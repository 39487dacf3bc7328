package io.qpeft.hub;

import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads one blob into {@code blobs/{etag}.incomplete}, resuming with {@code Range: bytes=N-}
 * from what an earlier try left (huggingface_hub's http_get does the same), then checks the size
 * and, for LFS files whose ETag is their SHA-256, the checksum, and renames it to {@code
 * blobs/{etag}}. The caller holds the blob's lock.
 */
final class BlobDownload {
  private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final HubClient client;
  private final URI url;
  private final String file;
  private final HubClient.FileMeta meta;
  private final Path blob;
  private final Path incomplete;
  private final DownloadListener listener;

  BlobDownload(
      HubClient client,
      URI url,
      String file,
      HubClient.FileMeta meta,
      Path blob,
      DownloadListener listener) {
    this.client = client;
    this.url = url;
    this.file = file;
    this.meta = meta;
    this.blob = blob;
    this.incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
    this.listener = listener;
  }

  void run() throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        fetch();
        break;
      } catch (IOException e) {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (attempt >= client.maxRetries()) {
          throw new HubException(
              "download of "
                  + url
                  + " broke off after "
                  + have
                  + " bytes ("
                  + e
                  + "); run the command again to resume it",
              -1,
              e);
        }
        LOG.warn("download of {} broke off after {} bytes ({}); resuming", url, have, e.toString());
      }
    }
    verify();
    AtomicOutput.moveDurably(incomplete, blob);
    listener.finished(file);
  }

  /** One try: appends the rest of the file to the .incomplete file. */
  private void fetch() throws IOException {
    long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
    if (meta.size() >= 0 && have > meta.size()) { // not this file's prefix: start over
      Files.delete(incomplete);
      have = 0;
    }
    boolean complete = meta.size() >= 0 && have == meta.size();
    if (!complete) {
      HttpResponse<InputStream> r =
          client
              .send(url, "GET", have > 0 ? "bytes=" + have + "-" : null, "file " + file)
              .response();
      if (r.statusCode() != 206) have = 0; // the server sent the whole file
      listener.started(file, meta.size(), have);
      StandardOpenOption mode =
          have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
      try (InputStream in = r.body();
          OutputStream out =
              Files.newOutputStream(
                  incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
        have = HubClient.copy(in, out, file, have, listener);
      }
    }
    if (meta.size() >= 0 && have != meta.size()) {
      throw new IOException("got " + have + " of " + meta.size() + " bytes");
    }
  }

  /** LFS files are named by their SHA-256: a corrupt resume must not enter the cache. */
  private void verify() throws IOException {
    if (!SHA256.matcher(meta.etag()).matches()) return;
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(incomplete), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(meta.etag())) {
      Files.delete(incomplete);
      throw new UncheckedIOException(
          new IOException(
              "checksum mismatch for "
                  + url
                  + ": expected sha256 "
                  + meta.etag()
                  + ", got "
                  + actual
                  + "; the partial file was deleted, run the command again"));
    }
  }
}
