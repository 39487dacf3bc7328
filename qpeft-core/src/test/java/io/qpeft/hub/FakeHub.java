package io.qpeft.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A loopback stand-in for the Hugging Face hub, for tests: the revision API, {@code resolve} URLs
 * (small files answered directly with a git-style ETag, {@code .safetensors} files redirected to a
 * "CDN" path with {@code X-Linked-Etag} = SHA-256, as the real hub does), HTTP Range, gated repos,
 * and a switch that drops the connection half-way through a file once.
 */
public final class FakeHub implements AutoCloseable {
  /** A request the hub saw. */
  public record Seen(String method, String path, String authorization, String range) {}

  private final HttpServer server;
  private final Map<String, Map<String, String>> refs =
      new ConcurrentHashMap<>(); // repo -> rev -> commit
  private final Map<String, Map<String, byte[]>> trees =
      new ConcurrentHashMap<>(); // commit -> files
  private final Map<String, byte[]> cdn = new ConcurrentHashMap<>(); // sha256 -> bytes
  private final Map<String, String> gated = new ConcurrentHashMap<>(); // repo -> token
  private final Set<String> dropOnce = Collections.synchronizedSet(new HashSet<>());
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

  public FakeHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Adds a commit of {@code repo} that {@code revision} points to. */
  public FakeHub commit(String repo, String revision, String commit, Map<String, byte[]> files) {
    refs.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(revision, commit);
    trees.put(commit, new LinkedHashMap<>(files));
    return this;
  }

  public FakeHub gate(String repo, String token) {
    gated.put(repo, token);
    return this;
  }

  /** The next download of {@code file} stops after half its bytes and the connection drops. */
  public FakeHub dropOnce(String file) {
    dropOnce.add(file);
    return this;
  }

  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  public void clearSeen() {
    seen.clear();
  }

  /** Requests for file contents or metadata (everything but the revision API). */
  public List<Seen> fileRequests() {
    return seen().stream().filter(s -> !s.path().startsWith("/api/")).collect(Collectors.toList());
  }

  public static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    seen.add(new Seen(ex.getRequestMethod(), path, auth, ex.getRequestHeaders().getFirst("Range")));
    try (ex) {
      if (path.startsWith("/cdn/")) {
        serveBytes(ex, path.substring(5), cdn.get(path.substring(5)), null);
        return;
      }
      String[] api =
          path.startsWith("/api/models/") ? path.substring(12).split("/revision/", 2) : null;
      String repo = api != null ? api[0] : repoOf(path);
      if (repo == null || !refs.containsKey(repo)) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      if (gated.containsKey(repo) && !("Bearer " + gated.get(repo)).equals(auth)) {
        ex.sendResponseHeaders(401, -1);
        return;
      }
      if (api != null) {
        String commit = commitOf(repo, java.net.URLDecoder.decode(api[1], StandardCharsets.UTF_8));
        if (commit == null) {
          ex.sendResponseHeaders(404, -1);
          return;
        }
        String siblings =
            trees.get(commit).keySet().stream()
                .map(f -> "{\"rfilename\":\"" + f + "\"}")
                .collect(Collectors.joining(","));
        byte[] body =
            ("{\"id\":\"" + repo + "\",\"sha\":\"" + commit + "\",\"siblings\":[" + siblings + "]}")
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        return;
      }
      // /{repo}/resolve/{rev}/{file}
      String rest = path.substring(repo.length() + 2 + "resolve/".length());
      int slash = rest.indexOf('/');
      String commit = commitOf(repo, rest.substring(0, slash));
      String file = rest.substring(slash + 1);
      byte[] bytes = commit == null ? null : trees.get(commit).get(file);
      if (bytes == null) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ex.getResponseHeaders().add("X-Repo-Commit", commit);
      if (file.endsWith(".safetensors")) { // LFS: redirect to the CDN
        String sha = sha256(bytes);
        cdn.put(sha, bytes);
        ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
        ex.getResponseHeaders().add("X-Linked-Size", Long.toString(bytes.length));
        // another host name, as cdn-lfs.huggingface.co is: the token must not follow the redirect
        ex.getResponseHeaders()
            .add("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/" + sha);
        ex.sendResponseHeaders(302, -1);
        return;
      }
      serveBytes(ex, file, bytes, "W/\"" + sha256(bytes).substring(0, 40) + "\"");
    }
  }

  private void serveBytes(HttpExchange ex, String name, byte[] bytes, String etag)
      throws IOException {
    if (bytes == null) {
      ex.sendResponseHeaders(404, -1);
      return;
    }
    if (etag != null) ex.getResponseHeaders().add("ETag", etag);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().add("Content-Length", Integer.toString(bytes.length));
      ex.sendResponseHeaders(200, -1);
      return;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = range == null ? 0 : Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
    if (range != null) {
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    ex.sendResponseHeaders(range == null ? 200 : 206, bytes.length - from);
    OutputStream out = ex.getResponseBody();
    boolean drop = dropOnce.remove(name) || dropOnce.remove(nameOf(bytes));
    if (drop) {
      out.write(bytes, from, (bytes.length - from) / 2);
      out.flush();
      throw new IOException("dropping the connection on purpose");
    }
    out.write(bytes, from, bytes.length - from);
  }

  private String nameOf(byte[] bytes) {
    for (Map<String, byte[]> t : trees.values()) {
      for (Map.Entry<String, byte[]> e : t.entrySet()) if (e.getValue() == bytes) return e.getKey();
    }
    return "";
  }

  private String repoOf(String path) {
    int r = path.indexOf("/resolve/");
    return r < 0 ? null : path.substring(1, r);
  }

  private String commitOf(String repo, String revision) {
    Map<String, String> r = refs.get(repo);
    if (r.containsKey(revision)) return r.get(revision);
    return r.containsValue(revision) ? revision : null;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
