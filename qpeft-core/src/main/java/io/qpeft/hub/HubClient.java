package io.qpeft.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads models from the Hugging Face hub into the cache shared with the Python {@code
 * huggingface_hub} client (layout in {@link HubCache}), using only {@code java.net.http}.
 *
 * <p>Only the files a causal LM needs are fetched: config, tokenizer files, and {@code
 * model.safetensors} or the index plus its shards. Downloads resume with HTTP Range from {@code
 * blobs/{etag}.incomplete}, as huggingface_hub does. A model already in the cache is used without
 * any file request; with {@code HF_HUB_OFFLINE=1} no request is made at all, and when the hub
 * cannot be reached or refuses, the cached snapshot of the revision is used (with a warning).
 *
 * <p>Environment (see {@link #fromEnvironment}): {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code
 * HF_HOME}, {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}.
 */
public final class HubClient {
  private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REDIRECTS = 10;

  private final URI endpoint;
  private final String token;
  private final HubCache cache;
  private final boolean offline;
  private final int maxRetries;
  private final HttpClient http;

  private HubClient(Builder b) {
    String e =
        b.endpoint.endsWith("/") ? b.endpoint.substring(0, b.endpoint.length() - 1) : b.endpoint;
    this.endpoint = URI.create(e);
    this.token = b.token == null || b.token.isBlank() ? null : b.token.strip();
    this.cache = new HubCache(Objects.requireNonNull(b.cacheDir, "cacheDir"));
    this.offline = b.offline;
    this.maxRetries = b.maxRetries;
    this.http =
        HttpClient.newBuilder()
            .followRedirects(
                HttpClient.Redirect.NEVER) // followed by hand: Authorization stays on the hub
            .connectTimeout(Duration.ofSeconds(20))
            .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A client configured from the process environment. */
  public static HubClient fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * A client configured like huggingface_hub: {@code HF_ENDPOINT} (default https://huggingface.co),
   * {@code HF_TOKEN} (else the file {@code $HF_HOME/token} written by {@code huggingface-cli
   * login}), {@code HF_HUB_CACHE} (default {@code $HF_HOME/hub}, {@code HF_HOME} default {@code
   * $XDG_CACHE_HOME/huggingface} or {@code ~/.cache/huggingface}), {@code HF_HUB_OFFLINE=1}.
   */
  public static HubClient fromEnvironment(Map<String, String> env) {
    Path home =
        env.containsKey("HF_HOME")
            ? Path.of(env.get("HF_HOME"))
            : env.containsKey("XDG_CACHE_HOME")
                ? Path.of(env.get("XDG_CACHE_HOME"), "huggingface")
                : Path.of(System.getProperty("user.home"), ".cache", "huggingface");
    Path cacheDir =
        env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : home.resolve("hub");
    String token = env.get("HF_TOKEN");
    Path tokenFile = home.resolve("token");
    if ((token == null || token.isBlank()) && Files.isRegularFile(tokenFile)) {
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        LOG.warn("cannot read hub token file {}: {}", tokenFile, e.toString());
      }
    }
    String off = env.getOrDefault("HF_HUB_OFFLINE", "").toLowerCase(Locale.ROOT);
    return builder()
        .optEndpoint(env.getOrDefault("HF_ENDPOINT", "https://huggingface.co"))
        .optToken(token)
        .setCacheDir(cacheDir)
        .optOffline(List.of("1", "true", "yes", "on").contains(off))
        .build();
  }

  public Path cacheDir() {
    return cache.root();
  }

  /**
   * The local snapshot folder of a hub model, downloading what is missing.
   *
   * @return {@code {cache}/models--org--name/snapshots/{commit}}, a Hugging Face model folder
   * @throws HubException when the hub refuses (401/403/404) or cannot be reached and the cache does
   *     not have the model
   * @throws UnsupportedOperationException when the repository has no safetensors weights
   */
  public Path download(HubModelId id, DownloadListener listener) {
    Optional<Path> cached = cache.completeSnapshot(id);
    if (offline) {
      return cached.orElseThrow(
          () ->
              new HubException(
                  "HF_HUB_OFFLINE is set but "
                      + id
                      + " is not (completely) in the cache "
                      + cache.repoDir(id)
                      + "; unset HF_HUB_OFFLINE to download it",
                  -1,
                  null));
    }
    if (cached.isPresent() && id.isCommitHash()) return cached.get(); // a commit never changes
    RepoInfo info;
    try {
      info = repoInfo(id);
    } catch (HubException e) {
      // like huggingface_hub: a revision already in the cache survives an outage or an expired
      // token
      if (cached.isPresent()) {
        LOG.warn("{}; using the cached snapshot {}", e.getMessage(), cached.get());
        return cached.get();
      }
      throw e;
    }
    try {
      return fetchSnapshot(id, info, listener);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write to the hub cache " + cache.repoDir(id) + ": " + e, e);
    }
  }

  private record RepoInfo(String commit, List<String> files) {}

  /** {@code GET /api/models/{repo}/revision/{rev}}: the commit hash and the file list. */
  private RepoInfo repoInfo(HubModelId id) {
    URI url =
        URI.create(endpoint + "/api/models/" + id.repo() + "/revision/" + encode(id.revision()));
    HttpResponse<InputStream> r = send(url, "GET", null, "model " + id).response();
    try (InputStream body = r.body()) {
      JsonNode json = JSON.readTree(body);
      String sha = json.path("sha").asText("");
      if (sha.isEmpty())
        throw new HubException(url + ": the answer has no \"sha\" field", r.statusCode(), null);
      List<String> files = new ArrayList<>();
      json.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
      return new RepoInfo(sha, files);
    } catch (IOException e) {
      throw new HubException("cannot read the answer of " + url + ": " + e, -1, e);
    }
  }

  private Path fetchSnapshot(HubModelId id, RepoInfo info, DownloadListener listener)
      throws IOException {
    Path dir = cache.snapshot(id, info.commit());
    for (String f : HubCache.REQUIRED) {
      if (!info.files().contains(f)) {
        throw new UnsupportedOperationException(
            id
                + " has no "
                + f
                + ", which qpeft needs (files in the repository: "
                + info.files()
                + ")");
      }
    }
    List<String> wanted = new ArrayList<>(HubCache.REQUIRED);
    for (String f : HubCache.OPTIONAL) if (info.files().contains(f)) wanted.add(f);
    if (info.files().contains(HubCache.INDEX)) {
      fetchFile(id, info.commit(), HubCache.INDEX, listener);
      for (String shard : HubCache.shardsOf(dir.resolve(HubCache.INDEX))) {
        if (!info.files().contains(shard)) {
          throw new IllegalArgumentException(
              id + ": " + HubCache.INDEX + " lists " + shard + ", which is not in the repository");
        }
        wanted.add(shard);
      }
    } else if (info.files().contains(HubCache.WEIGHTS)) {
      wanted.add(HubCache.WEIGHTS);
    } else {
      throw new UnsupportedOperationException(
          id
              + " has no safetensors weights ("
              + HubCache.WEIGHTS
              + " or "
              + HubCache.INDEX
              + "); qpeft reads only safetensors. Files in the repository: "
              + info.files());
    }
    for (String f : wanted) fetchFile(id, info.commit(), f, listener);
    cache.writeRef(id, info.commit());
    return dir;
  }

  /** Makes {@code snapshots/{commit}/{file}} exist, downloading its blob if needed. */
  private void fetchFile(HubModelId id, String commit, String file, DownloadListener listener)
      throws IOException {
    Path target = cache.snapshot(id, commit).resolve(file);
    if (Files.isRegularFile(target)) return; // follows the symlink: the blob is there
    URI url = URI.create(endpoint + "/" + id.repo() + "/resolve/" + commit + "/" + file);
    FileMeta meta = head(url, id + " file " + file);
    Path blob = cache.blob(id, meta.etag());
    if (!Files.isRegularFile(blob)) {
      Path lock = cache.lockFile(id, meta.etag());
      Files.createDirectories(lock.getParent());
      Files.createDirectories(blob.getParent());
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock ignored = ch.lock()) {
        if (!Files.isRegularFile(blob))
          new BlobDownload(this, url, file, meta, blob, listener).run();
      }
    }
    cache.link(target, blob);
  }

  /** What a HEAD on a resolve URL tells: the blob name, the size (-1 if unknown). */
  record FileMeta(String etag, long size) {}

  private FileMeta head(URI url, String what) {
    Answer a = send(url, "HEAD", null, what);
    close(a.response());
    // the hub's own answer (X-Linked-*, on the redirect to the CDN for LFS files) wins over the
    // CDN's
    String etag = null;
    long size = -1;
    for (HttpHeaders h : a.hops()) {
      if (etag == null) etag = h.firstValue("X-Linked-Etag").orElse(null);
      if (size < 0) size = h.firstValueAsLong("X-Linked-Size").orElse(-1);
    }
    HttpHeaders last = a.response().headers();
    if (etag == null) etag = last.firstValue("ETag").orElse(null);
    if (size < 0) size = last.firstValueAsLong("Content-Length").orElse(-1);
    HttpResponse<InputStream> r = a.response();
    if (etag == null) {
      throw new HubException(
          url + " answered without an ETag; is HF_ENDPOINT a Hugging Face hub?",
          r.statusCode(),
          null);
    }
    etag = etag.startsWith("W/") ? etag.substring(2) : etag;
    etag = etag.replace("\"", "");
    if (etag.isEmpty() || etag.contains("/") || etag.contains("..")) {
      throw new HubException(
          url + " answered with an invalid ETag '" + etag + "'", r.statusCode(), null);
    }
    return new FileMeta(etag, size);
  }

  /** The final answer of a request and the headers of every answer on the way (redirects first). */
  record Answer(HttpResponse<InputStream> response, List<HttpHeaders> hops) {}

  int maxRetries() {
    return maxRetries;
  }

  /**
   * Sends a request, following redirects by hand (the token is only sent to the endpoint's host),
   * and turns refusals into {@link HubException}s that say what to do.
   *
   * @param range a {@code Range} header value, or null
   */
  Answer send(URI url, String method, String range, String what) {
    URI current = url;
    List<HttpHeaders> hops = new ArrayList<>();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder req =
          HttpRequest.newBuilder(current)
              .method(method, HttpRequest.BodyPublishers.noBody())
              .header("User-Agent", "qpeft/0.1 java.net.http")
              .header("Accept-Encoding", "identity")
              .timeout(Duration.ofMinutes(2));
      if (token != null && Objects.equals(current.getHost(), endpoint.getHost())) {
        req.header("Authorization", "Bearer " + token);
      }
      if (range != null) req.header("Range", range);
      HttpResponse<InputStream> r;
      try {
        r = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        throw new HubException(
            "cannot reach "
                + current
                + " ("
                + e
                + "); check the network, HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache only",
            -1,
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HubException("interrupted while requesting " + current, -1, e);
      }
      int status = r.statusCode();
      Optional<String> location = r.headers().firstValue("Location");
      if (status >= 300 && status < 400 && location.isPresent()) {
        close(r);
        current = current.resolve(location.get());
        hops.add(r.headers());
        continue;
      }
      if (status >= 400) {
        close(r);
        throw refusal(url, status, what);
      }
      hops.add(r.headers());
      return new Answer(r, hops);
    }
    throw new HubException("too many redirects from " + url, -1, null);
  }

  private HubException refusal(URI url, int status, String what) {
    String hint =
        switch (status) {
          case 401, 403 ->
              token == null
                  ? "the model is gated or private: accept its terms on the hub and set HF_TOKEN to an access token"
                  : "the token in HF_TOKEN is not allowed to read it (gated model: accept its terms on the hub)";
          case 404 ->
              "no such model, revision or file: check the model id (org/name) and the @revision";
          case 416 -> "the requested byte range is not available";
          case 429 -> "too many requests: wait a little and try again";
          default ->
              status >= 500
                  ? "the hub had an error: try again later"
                  : "the hub refused the request";
        };
    return new HubException(
        what + ": HTTP " + status + " from " + url + " - " + hint, status, null);
  }

  static void close(HttpResponse<InputStream> r) {
    try {
      r.body().close();
    } catch (IOException ignored) {
      // nothing to release beyond the connection
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Configures a {@link HubClient}: {@code setCacheDir} is required. */
  public static final class Builder {
    private String endpoint = "https://huggingface.co";
    private String token;
    private Path cacheDir;
    private boolean offline;
    private int maxRetries = 5;

    public Builder setCacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    public Builder optEndpoint(String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** Sent as {@code Authorization: Bearer} to the endpoint (never to a CDN it redirects to). */
    public Builder optToken(String token) {
      this.token = token;
      return this;
    }

    public Builder optOffline(boolean offline) {
      this.offline = offline;
      return this;
    }

    /** How often a broken download is resumed before giving up (default 5). */
    public Builder optMaxRetries(int maxRetries) {
      if (maxRetries < 0)
        throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
      this.maxRetries = maxRetries;
      return this;
    }

    public HubClient build() {
      return new HubClient(this);
    }
  }

  /** Writes a stream to a file; used by {@link BlobDownload}. */
  static long copy(
      InputStream in, OutputStream out, String file, long done, DownloadListener listener)
      throws IOException {
    byte[] buf = new byte[1 << 20];
    for (int n; (n = in.read(buf)) >= 0; ) {
      out.write(buf, 0, n);
      done += n;
      listener.progressed(file, done);
    }
    return done;
  }
}
