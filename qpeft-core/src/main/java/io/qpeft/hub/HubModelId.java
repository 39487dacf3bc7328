package io.qpeft.hub;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A model on the Hugging Face hub: {@code org/name} plus a revision (branch, tag or commit hash;
 * default {@code main}). Written {@code org/name@revision} on the command line.
 */
public record HubModelId(String repo, String revision) {
  private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][\\w.-]*/[\\w.-]+");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  public HubModelId {
    Objects.requireNonNull(repo, "repo");
    revision = revision == null || revision.isEmpty() ? "main" : revision;
    if (!REPO.matcher(repo).matches() || repo.contains("..") || repo.endsWith(".git")) {
      throw new IllegalArgumentException(
          "invalid hub model id '"
              + repo
              + "': expected org/name[@revision], e.g. Qwen/Qwen2.5-0.5B");
    }
    if (revision.contains("..") || revision.isBlank()) {
      throw new IllegalArgumentException("invalid revision '" + revision + "' for " + repo);
    }
  }

  /** Parses {@code org/name} or {@code org/name@revision}. */
  public static HubModelId parse(String id) {
    int at = id.indexOf('@');
    return at < 0
        ? new HubModelId(id, "main")
        : new HubModelId(id.substring(0, at), id.substring(at + 1));
  }

  /** Whether {@code s} has the shape of a hub id (it may still name a local folder). */
  public static boolean looksLikeHubId(String s) {
    int at = s.indexOf('@');
    return REPO.matcher(at < 0 ? s : s.substring(0, at)).matches();
  }

  /** Whether the revision is a full commit hash (then a cached snapshot needs no network). */
  public boolean isCommitHash() {
    return COMMIT.matcher(revision).matches();
  }

  /** The cache folder name used by huggingface_hub: {@code models--org--name}. */
  public String cacheFolderName() {
    return "models--" + repo.replace("/", "--");
  }

  @Override
  public String toString() {
    return repo + "@" + revision;
  }
}
