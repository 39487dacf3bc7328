package io.qpeft.cli;

import io.qpeft.hub.HubClient;
import io.qpeft.hub.HubModelId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Turns a {@code --model} value into a local model folder: an existing folder as it is, a hub id
 * {@code org/name[@revision]} through the huggingface_hub cache (downloading what is missing, with
 * a progress bar on a terminal; see {@link HubClient}).
 */
public final class ModelResolver {
  /** The HF_* variables the hub client reads; tests point this at a loopback hub. */
  static volatile Map<String, String> environment = System.getenv();

  private ModelResolver() {}

  public static Path resolve(String model) {
    Path p = Path.of(model);
    if (Files.isDirectory(p)) return p;
    if (!HubModelId.looksLikeHubId(model)) {
      throw new IllegalArgumentException(
          "--model " + model + ": no such folder, and not a hub id (org/name[@revision])");
    }
    return HubClient.fromEnvironment(environment)
        .download(HubModelId.parse(model), Progress.downloads());
  }
}
