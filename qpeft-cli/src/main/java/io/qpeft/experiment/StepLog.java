package io.qpeft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * What an experiment has done so far, so that running it again reuses finished steps: {@code
 * OUT/steps.json} maps each step ({@code index}, {@code retrieve}, {@code train:NAME}, {@code
 * rerank:NAME}) to the settings it ran with, whether it finished, and how long it took. A step is
 * reused when it finished with the same settings and its output is still there; a step that was
 * started but not finished with the same settings is run again and resumes where the step itself
 * can ({@code qpeft rerank}'s journal, {@code qpeft train --resume}); a step whose settings changed
 * is run afresh. Settings include those of the steps it reads from, so a change flows downstream.
 * The file is rewritten atomically after every change.
 */
public final class StepLog {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path file;
  private final ObjectNode steps;

  /** Where a step stands before it runs. */
  public enum State {
    /** Finished with the same settings; its output is there. */
    DONE,
    /** Started with the same settings and interrupted: run it again, it resumes. */
    STARTED,
    /** Never run, or run with other settings: run it from scratch. */
    NEW
  }

  private StepLog(Path file, ObjectNode steps) {
    this.file = file;
    this.steps = steps;
  }

  /** Opens (or starts) the log of the experiment folder {@code dir}. */
  public static StepLog open(Path dir) {
    Path file = dir.resolve("steps.json");
    if (!Files.exists(file)) return new StepLog(file, JSON.createObjectNode());
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (!(n instanceof ObjectNode o) || !o.path("steps").isObject())
        throw new IllegalArgumentException(
            file + " is not a qpeft experiment step log; delete it to start the experiment over");
      return new StepLog(file, (ObjectNode) o.get("steps"));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          file + " cannot be read (" + e.getMessage() + "); delete it to start over");
    }
  }

  /** The state of step {@code id} for {@code settings}, given whether its output exists. */
  public State state(String id, JsonNode settings, boolean outputExists) {
    JsonNode s = steps.get(id);
    if (s == null || !Objects.equals(s.get("settings"), settings)) return State.NEW;
    if (s.path("done").asBoolean() && outputExists) return State.DONE;
    return State.STARTED;
  }

  /** What changed in step {@code id}'s settings since it last ran (for the message), or null. */
  public String changes(String id, JsonNode settings) {
    JsonNode s = steps.get(id);
    if (s == null) return null;
    JsonNode old = s.get("settings");
    StringBuilder sb = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = settings.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!Objects.equals(old.get(e.getKey()), e.getValue()))
        sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey());
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /** Records that step {@code id} starts with {@code settings}. */
  public void started(String id, JsonNode settings) {
    ObjectNode s = steps.putObject(id);
    s.set("settings", settings);
    s.put("done", false);
    save();
  }

  /** Records that step {@code id} finished, in {@code seconds}. */
  public void finished(String id, double seconds) {
    ObjectNode s = (ObjectNode) steps.get(id);
    s.put("done", true);
    s.put("seconds", Math.round(seconds * 10) / 10.0);
    save();
  }

  /** Seconds the finished step {@code id} took when it ran (NaN when unknown). */
  public double seconds(String id) {
    JsonNode s = steps.path(id).path("seconds");
    return s.isNumber() ? s.asDouble() : Double.NaN;
  }

  private void save() {
    ObjectNode root = JSON.createObjectNode();
    root.put("qpeft_experiment_steps", 1);
    root.set("steps", steps);
    try (AtomicOutput out = new AtomicOutput(file)) {
      out.write(JSON.writeValueAsString(root) + "\n");
      out.commit();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + file, e);
    }
  }
}
