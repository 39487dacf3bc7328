package io.qpeft.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch's figures, written as a JSON line to {@code training_log.jsonl}. Epoch 0 is the
 * untrained module, measured on the dev set before the first step (train loss NaN).
 *
 * @param devLoss the loss on the dev queries (NaN when there is no dev set; then the train loss
 *     decides)
 * @param best whether this epoch's adapter is the best so far (and was saved)
 * @param measures dev ranking measures and training diagnostics by name (see {@link
 *     RankingValidation} and {@link TrainingProbe}), in insertion order
 */
public record EpochMetrics(
    int epoch,
    long step,
    double trainLoss,
    double devLoss,
    double learningRate,
    boolean best,
    double seconds,
    Map<String, Double> measures) {

  public EpochMetrics {
    measures =
        measures == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(measures));
  }

  /** An epoch without ranking measures or diagnostics. */
  public EpochMetrics(
      int epoch,
      long step,
      double trainLoss,
      double devLoss,
      double learningRate,
      boolean best,
      double seconds) {
    this(epoch, step, trainLoss, devLoss, learningRate, best, seconds, Map.of());
  }

  /** The measure {@code name}, or NaN when it was not measured. */
  public double measure(String name) {
    return measures.getOrDefault(name, Double.NaN);
  }

  public String toJson() {
    ObjectNode n = new ObjectMapper().createObjectNode();
    n.put("epoch", epoch);
    n.put("step", step);
    putNumber(n, "train_loss", trainLoss);
    putNumber(n, "dev_loss", devLoss);
    n.put("lr", learningRate);
    n.put("best", best);
    n.put("seconds", Math.round(seconds * 1000) / 1000.0);
    for (Map.Entry<String, Double> e : measures.entrySet()) putNumber(n, e.getKey(), e.getValue());
    return n.toString();
  }

  private static void putNumber(ObjectNode n, String field, double v) {
    if (Double.isNaN(v)) n.putNull(field);
    else n.put(field, v);
  }

  private static final java.util.Set<String> FIXED =
      java.util.Set.of("epoch", "step", "train_loss", "dev_loss", "lr", "best", "seconds");

  /** Parses one line of {@code training_log.jsonl} (as {@link #toJson} writes it). */
  public static EpochMetrics fromJson(JsonNode n) {
    Map<String, Double> measures = new LinkedHashMap<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIXED.contains(f)) measures.put(f, number(n.get(f)));
    }
    return new EpochMetrics(
        n.get("epoch").asInt(),
        n.get("step").asLong(),
        number(n.get("train_loss")),
        number(n.get("dev_loss")),
        n.get("lr").asDouble(),
        n.get("best").asBoolean(),
        n.get("seconds").asDouble(),
        measures);
  }

  private static double number(JsonNode v) {
    return v == null || v.isNull() ? Double.NaN : v.asDouble();
  }
}
