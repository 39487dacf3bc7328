package io.qpeft.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import io.qpeft.peft.ParameterSet;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.Tensor;
import io.qpeft.peft.TensorFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training checkpoint: one safetensors file {@code checkpoint/checkpoint.safetensors} holding the
 * parameters ({@code param.*}), the best parameters ({@code best.*}), the AdamW moments ({@code
 * adam.*}) and, in its metadata, the position and bookkeeping as JSON. One file written atomically,
 * so a kill at any moment leaves either the previous checkpoint or the new one.
 */
final class Checkpoint {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FILE = "checkpoint.safetensors";

  private Checkpoint() {}

  /**
   * Everything besides tensors that a resumed run needs. The RNG needs nothing: streams derive from
   * (seed, epoch, batch).
   */
  static final class State {
    int epoch; // 0-based epoch in progress
    int batch; // next batch of that epoch
    long step; // batches done
    long updates; // optimizer steps done (more than step with pairsPerStep)
    double lossSum;
    int lossCount;
    double lastLr;
    double bestLoss = Double.POSITIVE_INFINITY;
    int bestEpoch;
    int badEpochs;
    boolean stopped;
    ParameterSet best;
    final List<EpochMetrics> history = new ArrayList<>();

    static State fresh() {
      return new State();
    }
  }

  static Path dir(Path output) {
    return output.resolve("checkpoint");
  }

  /** Identifies the settings a checkpoint belongs to; a resume with other settings is refused. */
  static String fingerprint(PeftConfig peft, TrainConfig cfg, int trainSize, int devSize) {
    return peft + "|" + cfg + "|train=" + trainSize + "|dev=" + devSize;
  }

  static JsonNode trainingJson(TrainConfig cfg) {
    ObjectNode n = JSON.createObjectNode();
    n.put("learning_rate", cfg.learningRate());
    n.put("weight_decay", cfg.weightDecay());
    n.putArray("betas").add(cfg.beta1()).add(cfg.beta2());
    n.put("eps", cfg.eps());
    n.put("epochs", cfg.epochs());
    n.put("batch_queries", cfg.batchQueries());
    n.put("hard_negatives", cfg.hardNegatives());
    n.put("in_batch_negatives", cfg.inBatchNegatives());
    n.put("loss", cfg.loss().name().toLowerCase(java.util.Locale.ROOT));
    n.put("margin", cfg.margin());
    n.put("clip_norm", cfg.clipNorm());
    n.put("linear_decay", cfg.linearDecay());
    n.put("patience", cfg.patience());
    n.put("seed", cfg.seed());
    n.put("pairs_per_step", cfg.pairsPerStep());
    n.put("match_lr_scale", cfg.matchLrScale());
    n.put("selection", cfg.selection().id());
    n.put("batch_tokens", cfg.batchTokens());
    return n;
  }

  static void save(Path output, String fingerprint, State s, ParameterSet params, AdamW adam) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String name : params.names()) tensors.put("param." + name, params.get(name));
    if (s.best != null)
      for (String name : s.best.names()) tensors.put("best." + name, s.best.get(name));
    tensors.putAll(adam.state(params));
    ObjectNode st = JSON.createObjectNode();
    st.put("fingerprint", fingerprint);
    st.put("epoch", s.epoch);
    st.put("batch", s.batch);
    st.put("step", s.step);
    st.put("updates", s.updates);
    st.put("loss_sum", s.lossSum);
    st.put("loss_count", s.lossCount);
    st.put("last_lr", s.lastLr);
    st.put("best_loss", s.bestLoss);
    st.put("best_epoch", s.bestEpoch);
    st.put("bad_epochs", s.badEpochs);
    st.put("stopped", s.stopped);
    ArrayNode h = st.putArray("history");
    for (EpochMetrics m : s.history) h.add(m.toJson());
    TensorFile.write(dir(output).resolve(FILE), tensors, Map.of("state", st.toString()));
  }

  /** Restores params and optimizer; null when there is no checkpoint. */
  static State load(Path output, String fingerprint, ParameterSet params, AdamW adam) {
    Path file = dir(output).resolve(FILE);
    if (!Files.isRegularFile(file)) return null;
    JsonNode st = state(file);
    if (!st.path("fingerprint").asText().equals(fingerprint)) {
      throw new IllegalArgumentException(
          "checkpoint "
              + file
              + " was written with other settings or data;"
              + " rerun with the same options and files, or remove "
              + dir(output)
              + " to start over.\n  checkpoint: "
              + st.path("fingerprint").asText()
              + "\n  now:        "
              + fingerprint);
    }
    Map<String, Tensor> tensors = TensorFile.read(file);
    ParameterSet loaded = new ParameterSet();
    for (String name : params.names()) {
      Tensor t = tensors.get("param." + name);
      if (t == null)
        throw new IllegalArgumentException("checkpoint " + file + " lacks parameter " + name);
      loaded.put(name, t, params.isTrainable(name));
    }
    params.assign(loaded);
    State s = new State();
    s.epoch = st.get("epoch").asInt();
    s.batch = st.get("batch").asInt();
    s.step = st.get("step").asLong();
    s.updates = st.path("updates").asLong(s.step);
    s.lossSum = st.get("loss_sum").asDouble();
    s.lossCount = st.get("loss_count").asInt();
    s.lastLr = st.get("last_lr").asDouble();
    s.bestLoss = st.get("best_loss").asDouble();
    s.bestEpoch = st.get("best_epoch").asInt();
    s.badEpochs = st.get("bad_epochs").asInt();
    s.stopped = st.get("stopped").asBoolean();
    if (tensors.keySet().stream().anyMatch(k -> k.startsWith("best."))) {
      s.best = params.copy();
      for (String name : params.names()) {
        System.arraycopy(
            tensors.get("best." + name).data(),
            0,
            s.best.get(name).data(),
            0,
            params.get(name).data().length);
      }
    }
    for (JsonNode line : st.get("history")) {
      try {
        s.history.add(EpochMetrics.fromJson(JSON.readTree(line.asText())));
      } catch (IOException e) {
        throw new IllegalArgumentException("corrupt history in " + file, e);
      }
    }
    adam.restore(tensors, params, s.updates);
    return s;
  }

  /** The step of the checkpoint under {@code output}, or 0 when there is none. */
  static long savedStep(Path output) {
    Path file = dir(output).resolve(FILE);
    return Files.isRegularFile(file) ? state(file).path("step").asLong() : 0;
  }

  private static JsonNode state(Path file) {
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
      long len = Long.reverseBytes(f.readLong()); // little-endian header length
      if (len <= 0 || len > f.length() - 8)
        throw new IllegalArgumentException("corrupt checkpoint " + file);
      byte[] header = new byte[(int) len];
      f.readFully(header);
      JsonNode h = JSON.readTree(new String(header, StandardCharsets.UTF_8));
      return JSON.readTree(h.path("__metadata__").path("state").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
  }

  static void writeLog(Path output, List<EpochMetrics> history) {
    StringBuilder sb = new StringBuilder();
    for (EpochMetrics m : history) sb.append(m.toJson()).append('\n');
    AtomicOutput.writeString(output.resolve("training_log.jsonl"), sb.toString());
  }
}
