package io.qpeft.rerank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Recognizes published LLM rerankers by name, so that their own method is used when none is asked
 * for. Names are matched exactly (case-insensitive, organisation ignored): a fine-tune under
 * another name may use another prompt, and is left to an explicit method.
 */
public final class KnownRerankers {
  /** Model names (the part after {@code org/}), lower case, and their method. */
  private static final Map<String, RerankMethod> NAMES =
      Map.of(
          "qwen3-reranker-0.6b", RerankMethod.QWEN3_RERANKER,
          "qwen3-reranker-4b", RerankMethod.QWEN3_RERANKER,
          "qwen3-reranker-8b", RerankMethod.QWEN3_RERANKER,
          "bge-reranker-v2-gemma", RerankMethod.BGE_GEMMA);

  private KnownRerankers() {}

  /**
   * A known reranker named by the model: its hub id ({@code model} as given, {@code
   * org/name[@revision]}), the hub cache folder it was downloaded into ({@code models--org--name}),
   * the folder's own name, or {@code _name_or_path} in its config.json.
   *
   * @param model the model as the user gave it (hub id or folder), or null
   * @param modelDir the model's local folder, or null
   */
  public static Optional<Match> detect(String model, Path modelDir) {
    List<String[]> names = new ArrayList<>(); // {name, where it was found}
    // a --model that is the local folder itself is named by the folder checks below
    boolean isFolder = model != null && modelDir != null && Files.isDirectory(Path.of(model));
    if (model != null && !isFolder) {
      names.add(new String[] {stripRevision(model), "the model id"});
    }
    if (modelDir != null) {
      Path abs = modelDir.toAbsolutePath().normalize();
      for (Path p = abs; p != null; p = p.getParent()) {
        String folder = p.getFileName() == null ? "" : p.getFileName().toString();
        if (folder.startsWith("models--")) {
          names.add(
              new String[] {
                folder.substring("models--".length()).replace("--", "/"), "the hub cache"
              });
          break;
        }
      }
      if (abs.getFileName() != null) {
        names.add(new String[] {abs.getFileName().toString(), "the folder name"});
      }
      String configured = nameOrPath(modelDir.resolve("config.json"));
      if (configured != null) names.add(new String[] {configured, "config.json _name_or_path"});
    }
    for (String[] n : names) {
      RerankMethod m = NAMES.get(lastSegment(n[0]).toLowerCase(Locale.ROOT));
      if (m != null) return Optional.of(new Match(m, n[0], n[1]));
    }
    return Optional.empty();
  }

  /**
   * A recognized reranker.
   *
   * @param method its method
   * @param name the name that was recognized
   * @param source where the name was found
   */
  public record Match(RerankMethod method, String name, String source) {}

  private static String stripRevision(String s) {
    int at = s.indexOf('@');
    return at < 0 ? s : s.substring(0, at);
  }

  private static String lastSegment(String s) {
    String t = s.replace('\\', '/');
    while (t.endsWith("/")) t = t.substring(0, t.length() - 1);
    return t.substring(t.lastIndexOf('/') + 1);
  }

  /** {@code _name_or_path} of a config.json, or null if absent or unreadable. */
  private static String nameOrPath(Path config) {
    if (!Files.isRegularFile(config)) return null;
    try {
      JsonNode n = new ObjectMapper().readTree(config.toFile()).path("_name_or_path");
      return n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    } catch (IOException e) {
      return null; // loading the model reports a broken config.json
    }
  }
}
