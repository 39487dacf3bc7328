package io.qpeft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One epoch's figures, written as a JSON line to {@code training_log.jsonl}.
 *
 * @param devLoss the loss on the dev queries (NaN when there is no dev set; then the train loss
 *     decides)
 * @param best whether this epoch's adapter is the best so far (and was saved)
 */
public record EpochMetrics(
    int epoch,
    long step,
    double trainLoss,
    double devLoss,
    double learningRate,
    boolean best,
    double seconds) {

  public String toJson() {
    ObjectNode n = new ObjectMapper().createObjectNode();
    n.put("epoch", epoch);
    n.put("step", step);
    n.put("train_loss", trainLoss);
    if (Double.isNaN(devLoss)) n.putNull("dev_loss");
    else n.put("dev_loss", devLoss);
    n.put("lr", learningRate);
    n.put("best", best);
    n.put("seconds", Math.round(seconds * 1000) / 1000.0);
    return n.toString();
  }

  /** Parses one line of {@code training_log.jsonl} (as {@link #toJson} writes it). */
  public static EpochMetrics fromJson(com.fasterxml.jackson.databind.JsonNode n) {
    return new EpochMetrics(
        n.get("epoch").asInt(),
        n.get("step").asLong(),
        n.get("train_loss").asDouble(),
        n.get("dev_loss").isNull() ? Double.NaN : n.get("dev_loss").asDouble(),
        n.get("lr").asDouble(),
        n.get("best").asBoolean(),
        n.get("seconds").asDouble());
  }
}
