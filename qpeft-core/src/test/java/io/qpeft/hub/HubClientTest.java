package io.qpeft.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {
  static final String C1 = "1111111111111111111111111111111111111111";
  static final String C0 = "0000000000000000000000000000000000000000";

  @TempDir Path cache;
  FakeHub hub;
  byte[] weights;

  @BeforeEach
  void start() throws IOException {
    weights = new byte[300_000];
    new Random(42).nextBytes(weights);
    hub = new FakeHub();
    hub.commit("acme/tiny", "main", C1, files(weights, "v1"));
    hub.commit("acme/tiny", "v0", C0, files(new byte[] {1, 2, 3}, "v0"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  static Map<String, byte[]> files(byte[] weights, String tag) {
    Map<String, byte[]> f = new LinkedHashMap<>();
    f.put(
        "config.json",
        ("{\"model_type\":\"llama\",\"tag\":\"" + tag + "\"}").getBytes(StandardCharsets.UTF_8));
    f.put("tokenizer.json", "{\"model\":{}}".getBytes(StandardCharsets.UTF_8));
    f.put("tokenizer_config.json", "{}".getBytes(StandardCharsets.UTF_8));
    f.put("model.safetensors", weights);
    f.put("README.md", "# not needed".getBytes(StandardCharsets.UTF_8));
    f.put("pytorch_model.bin", new byte[] {9, 9});
    return f;
  }

  HubClient client() {
    return HubClient.builder()
        .setCacheDir(cache)
        .optEndpoint(hub.endpoint())
        .optMaxRetries(0)
        .build();
  }

  @Test
  void downloadsOnlyNeededFilesIntoTheHuggingFaceCacheLayout() throws IOException {
    List<String> events = new ArrayList<>();
    Path dir =
        client()
            .download(
                HubModelId.parse("acme/tiny"),
                new DownloadListener() {
                  @Override
                  public void started(String file, long total, long resumedFrom) {
                    events.add("start " + file + " " + total + " " + resumedFrom);
                  }

                  @Override
                  public void finished(String file) {
                    events.add("done " + file);
                  }
                });

    Path repo = cache.resolve("models--acme--tiny");
    assertEquals(repo.resolve("snapshots").resolve(C1), dir);
    assertEquals(C1, Files.readString(repo.resolve("refs/main")));
    assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
    String sha = FakeHub.sha256(weights);
    assertEquals(
        Path.of("../../blobs/" + sha), Files.readSymbolicLink(dir.resolve("model.safetensors")));
    assertTrue(Files.isSymbolicLink(dir.resolve("config.json")));
    assertTrue(Files.readString(dir.resolve("config.json")).contains("\"v1\""));
    assertFalse(Files.exists(dir.resolve("README.md")));
    assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));
    try (var blobs = Files.list(repo.resolve("blobs"))) {
      assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")));
    }
    assertTrue(events.contains("start model.safetensors 300000 0"), events.toString());
    assertTrue(events.contains("done model.safetensors"), events.toString());
  }

  @Test
  void secondResolveMakesNoFileRequestsAndOfflineMakesNone() throws IOException {
    Path first = client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE);
    hub.clearSeen();
    assertEquals(first, client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    assertEquals(List.of(), hub.fileRequests());
    assertEquals(1, hub.seen().size()); // the revision API only

    hub.clearSeen();
    HubClient offline =
        HubClient.fromEnvironment(
            Map.of(
                "HF_HUB_CACHE",
                cache.toString(),
                "HF_HUB_OFFLINE",
                "1",
                "HF_ENDPOINT",
                hub.endpoint()));
    assertEquals(
        first, offline.download(HubModelId.parse("acme/tiny@main"), DownloadListener.NONE));
    assertEquals(List.of(), hub.seen());

    // unreachable hub: the cached snapshot is used
    HubClient unreachable =
        HubClient.builder()
            .setCacheDir(cache)
            .optEndpoint("http://127.0.0.1:" + freePort())
            .build();
    assertEquals(first, unreachable.download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    // a refusal (here: the repository became gated) falls back to the cache too
    hub.gate("acme/tiny", "s3cret");
    assertEquals(first, client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    hub.clearSeen();
    // a commit hash that is cached needs no request at all
    assertEquals(first, client().download(new HubModelId("acme/tiny", C1), DownloadListener.NONE));
    assertEquals(List.of(), hub.seen());
  }

  @Test
  void resumesAnInterruptedDownloadWithARangeRequest() throws IOException {
    hub.dropOnce("model.safetensors");
    HubException broken =
        assertThrows(
            HubException.class,
            () -> client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    assertTrue(
        broken.getMessage().contains("run the command again to resume"), broken.getMessage());
    Path incomplete =
        cache.resolve("models--acme--tiny/blobs/" + FakeHub.sha256(weights) + ".incomplete");
    long have = Files.size(incomplete);
    assertTrue(have > 0 && have < weights.length, "partial size " + have);

    hub.clearSeen();
    Path dir = client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE);
    assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
    assertTrue(
        hub.seen().stream().anyMatch(s -> ("bytes=" + have + "-").equals(s.range())),
        hub.seen().toString());
    assertFalse(Files.exists(incomplete));
  }

  @Test
  void retriesABrokenConnectionByItself() throws IOException {
    hub.dropOnce("model.safetensors");
    HubClient retrying = HubClient.builder().setCacheDir(cache).optEndpoint(hub.endpoint()).build();
    Path dir = retrying.download(HubModelId.parse("acme/tiny"), DownloadListener.NONE);
    assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
    assertEquals(
        1,
        hub.seen().stream().filter(s -> s.path().startsWith("/cdn/") && s.range() != null).count());
  }

  @Test
  void revisionsResolveToTheirOwnCommitAndRef() throws IOException {
    Path v0 = client().download(HubModelId.parse("acme/tiny@v0"), DownloadListener.NONE);
    Path main = client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE);
    assertEquals(cache.resolve("models--acme--tiny/snapshots/" + C0), v0);
    assertEquals(C0, Files.readString(cache.resolve("models--acme--tiny/refs/v0")));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(v0.resolve("model.safetensors")));
    assertTrue(Files.readString(main.resolve("config.json")).contains("\"v1\""));
  }

  @Test
  void sendsTheTokenToTheHubOnlyAndExplainsGatedModels() throws IOException {
    hub.gate("acme/tiny", "s3cret");
    HubException e =
        assertThrows(
            HubException.class,
            () -> client().download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    assertEquals(401, e.statusCode());
    assertTrue(e.getMessage().contains("set HF_TOKEN"), e.getMessage());
    assertTrue(
        e.getMessage().contains(hub.endpoint() + "/api/models/acme/tiny/revision/main"),
        e.getMessage());

    hub.clearSeen();
    HubClient withToken =
        HubClient.fromEnvironment(
            Map.of(
                "HF_HUB_CACHE",
                cache.toString(),
                "HF_ENDPOINT",
                hub.endpoint(),
                "HF_TOKEN",
                "s3cret"));
    withToken.download(HubModelId.parse("acme/tiny"), DownloadListener.NONE);
    for (FakeHub.Seen s : hub.seen()) {
      if (s.path().startsWith("/cdn/")) assertNull(s.authorization(), s.toString());
      else assertEquals("Bearer s3cret", s.authorization(), s.toString());
    }
  }

  @Test
  void unknownModelRevisionOrFileIs404WithAHint() {
    HubException noModel =
        assertThrows(
            HubException.class,
            () -> client().download(HubModelId.parse("acme/nope"), DownloadListener.NONE));
    assertEquals(404, noModel.statusCode());
    assertTrue(
        noModel.getMessage().contains("no such model, revision or file"), noModel.getMessage());
    HubException noRev =
        assertThrows(
            HubException.class,
            () -> client().download(HubModelId.parse("acme/tiny@v9"), DownloadListener.NONE));
    assertEquals(404, noRev.statusCode());
    HubException offline =
        assertThrows(
            HubException.class,
            () ->
                HubClient.builder()
                    .setCacheDir(cache)
                    .optOffline(true)
                    .build()
                    .download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    assertTrue(offline.getMessage().contains("HF_HUB_OFFLINE"), offline.getMessage());
  }

  @Test
  void downloadsTheShardsAnIndexLists() throws IOException {
    Map<String, byte[]> f = files(new byte[0], "sharded");
    f.remove("model.safetensors");
    f.put(
        "model.safetensors.index.json",
        ("{\"metadata\":{},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\",\"c\":\"model-00001-of-00002.safetensors\"}}")
            .getBytes(StandardCharsets.UTF_8));
    f.put("model-00001-of-00002.safetensors", new byte[] {1, 1});
    f.put("model-00002-of-00002.safetensors", new byte[] {2, 2, 2});
    f.put("model-00003-of-00003.safetensors", new byte[] {3}); // not listed: not fetched
    hub.commit("acme/sharded", "main", C1, f);
    Path dir = client().download(HubModelId.parse("acme/sharded"), DownloadListener.NONE);
    assertArrayEquals(
        new byte[] {1, 1}, Files.readAllBytes(dir.resolve("model-00001-of-00002.safetensors")));
    assertArrayEquals(
        new byte[] {2, 2, 2}, Files.readAllBytes(dir.resolve("model-00002-of-00002.safetensors")));
    assertFalse(Files.exists(dir.resolve("model-00003-of-00003.safetensors")));
    assertEquals(List.of(), HubCache.missingFiles(dir));
  }

  @Test
  void refusesARepositoryWithoutSafetensorsAndListsItsFiles() {
    Map<String, byte[]> f = files(new byte[0], "bin");
    f.remove("model.safetensors");
    hub.commit("acme/bin", "main", C1, f);
    UnsupportedOperationException e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> client().download(HubModelId.parse("acme/bin"), DownloadListener.NONE));
    assertTrue(
        e.getMessage().contains("no safetensors") && e.getMessage().contains("pytorch_model.bin"),
        e.getMessage());
  }

  @Test
  void unreachableHubNamesTheUrl() {
    String endpoint = "http://127.0.0.1:" + freePort();
    HubException e =
        assertThrows(
            HubException.class,
            () ->
                HubClient.builder()
                    .setCacheDir(cache)
                    .optEndpoint(endpoint)
                    .build()
                    .download(HubModelId.parse("acme/tiny"), DownloadListener.NONE));
    assertEquals(-1, e.statusCode());
    assertTrue(
        e.getMessage().contains("cannot reach " + endpoint + "/api/models/acme/tiny/revision/main"),
        e.getMessage());
  }

  @Test
  void environmentPicksTheCacheFolderLikeHuggingfaceHub() {
    assertEquals(Path.of("/h/hub"), HubClient.fromEnvironment(Map.of("HF_HOME", "/h")).cacheDir());
    assertEquals(
        Path.of("/c"),
        HubClient.fromEnvironment(Map.of("HF_HOME", "/h", "HF_HUB_CACHE", "/c")).cacheDir());
    assertEquals(
        Path.of("/x/huggingface/hub"),
        HubClient.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x")).cacheDir());
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
