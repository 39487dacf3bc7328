package io.qpeft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * A benchmark's per-method dev scores on disk, keyed by everything they depend on (method,
 * settings, model, query sets), so that a rerun reuses them. One JSON file per entry, written
 * atomically.
 */
final class ScoreCache {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A method's scores (one array per dev query, candidate order), timings, the kept epoch and the
   * training log.
   */
  record Entry(
      List<double[]> scores,
      double trainSeconds,
      double scoreSeconds,
      String epochs,
      List<String> log) {}

  private final Path dir;
  private final String context;

  ScoreCache(Path dir, String context) {
    this.dir = dir;
    this.context = context;
  }

  /** The cached entry of {@code (method, settings)}, or null. */
  Entry find(String method, String settings) {
    Path file = dir.resolve(key(method, settings) + ".json");
    return Files.isRegularFile(file) ? read(file) : null;
  }

  private String key(String method, String settings) {
    return method + "-" + sha(context + "|" + method + "|" + settings);
  }

  /** The entry of {@code (method, settings)}, computed by {@code compute(key)} on a miss. */
  Entry get(String method, String settings, Function<String, Entry> compute) {
    String key = key(method, settings);
    Path file = dir.resolve(key + ".json");
    if (Files.isRegularFile(file)) return read(file);
    Entry e = compute.apply(key);
    ObjectNode n = JSON.createObjectNode();
    n.put("method", method);
    n.put("settings", settings);
    n.put("context", context);
    n.put("train_seconds", e.trainSeconds());
    n.put("score_seconds", e.scoreSeconds());
    n.put("epochs", e.epochs());
    var log = n.putArray("log");
    e.log().forEach(log::add);
    var scores = n.putArray("scores");
    for (double[] s : e.scores()) {
      var a = scores.addArray();
      for (double v : s) a.add(v);
    }
    try (AtomicOutput o = new AtomicOutput(file)) {
      o.write(n.toString());
      o.commit();
    }
    return e;
  }

  private static Entry read(Path file) {
    try {
      JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      List<double[]> scores = new ArrayList<>();
      for (JsonNode a : n.get("scores")) {
        double[] s = new double[a.size()];
        for (int i = 0; i < s.length; i++) s[i] = a.get(i).asDouble();
        scores.add(s);
      }
      List<String> log = new ArrayList<>();
      for (JsonNode l : n.get("log")) log.add(l.asText());
      return new Entry(
          scores,
          n.get("train_seconds").asDouble(),
          n.get("score_seconds").asDouble(),
          n.get("epochs").asText(),
          log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String sha(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
