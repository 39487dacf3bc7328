package io.qpeft.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qpeft.data.AtomicOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The on-disk cache layout of the {@code huggingface_hub} Python client (file_download.py), so that
 * models downloaded by either tool are shared:
 *
 * <pre>
 * {cache}/models--org--name/blobs/{etag}                 file contents, named by ETag (sha256 for LFS)
 * {cache}/models--org--name/blobs/{etag}.incomplete      a download in progress (resumed by HTTP Range)
 * {cache}/models--org--name/snapshots/{commit}/{file}    relative symlink to ../../blobs/{etag}
 * {cache}/models--org--name/refs/{revision}              the commit hash a branch or tag pointed to
 * {cache}/.locks/models--org--name/{etag}.lock           one downloader per blob
 * </pre>
 */
final class HubCache {
  /** The model files qpeft needs besides the weights; the first two are required. */
  static final List<String> REQUIRED = List.of("config.json", "tokenizer.json");

  static final List<String> OPTIONAL =
      List.of("tokenizer_config.json", "special_tokens_map.json", "generation_config.json");

  static final String WEIGHTS = "model.safetensors";
  static final String INDEX = "model.safetensors.index.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;

  HubCache(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  Path repoDir(HubModelId id) {
    return root.resolve(id.cacheFolderName());
  }

  Path blob(HubModelId id, String etag) {
    return repoDir(id).resolve("blobs").resolve(etag);
  }

  Path lockFile(HubModelId id, String etag) {
    return root.resolve(".locks").resolve(id.cacheFolderName()).resolve(etag + ".lock");
  }

  Path snapshot(HubModelId id, String commit) {
    return repoDir(id).resolve("snapshots").resolve(commit);
  }

  Path ref(HubModelId id) {
    return repoDir(id).resolve("refs").resolve(id.revision());
  }

  /**
   * The commit a revision points to in the cache: itself for a commit hash, else refs/{revision}.
   */
  Optional<String> cachedCommit(HubModelId id) {
    if (id.isCommitHash()) return Optional.of(id.revision());
    Path ref = ref(id);
    if (!Files.isRegularFile(ref)) return Optional.empty();
    try {
      return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ref, e);
    }
  }

  /** The cached snapshot folder of {@code id}, if every file qpeft needs is there. */
  Optional<Path> completeSnapshot(HubModelId id) {
    return cachedCommit(id).map(c -> snapshot(id, c)).filter(d -> missingFiles(d).isEmpty());
  }

  /** Files qpeft needs that a snapshot folder lacks (empty when complete). */
  static List<String> missingFiles(Path dir) {
    List<String> missing = new ArrayList<>();
    for (String f : REQUIRED) if (!Files.isRegularFile(dir.resolve(f))) missing.add(f);
    if (Files.isRegularFile(dir.resolve(INDEX))) {
      for (String shard : shardsOf(dir.resolve(INDEX))) {
        if (!Files.isRegularFile(dir.resolve(shard))) missing.add(shard);
      }
    } else if (!Files.isRegularFile(dir.resolve(WEIGHTS))) {
      missing.add(WEIGHTS);
    }
    return missing;
  }

  /** The distinct shard files of a {@code model.safetensors.index.json}, in first-use order. */
  static List<String> shardsOf(Path index) {
    try {
      JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
      if (!map.isObject() || map.isEmpty()) {
        throw new IllegalArgumentException(index + ": missing or empty \"weight_map\"");
      }
      Set<String> shards = new LinkedHashSet<>();
      map.elements().forEachRemaining(n -> shards.add(n.asText()));
      for (String s : shards) {
        if (s.isEmpty() || s.startsWith("/") || s.contains("..")) {
          throw new IllegalArgumentException(index + ": invalid shard file name '" + s + "'");
        }
      }
      return List.copyOf(shards);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + index + ": " + e.getMessage(), e);
    }
  }

  /**
   * Points {@code snapshots/{commit}/{file}} at a blob with a relative symlink, as huggingface_hub
   * does; where symlinks are not allowed (some Windows setups) the blob is copied instead.
   */
  void link(Path snapshotFile, Path blob) throws IOException {
    Files.createDirectories(snapshotFile.getParent());
    Files.deleteIfExists(snapshotFile);
    try {
      Files.createSymbolicLink(snapshotFile, snapshotFile.getParent().relativize(blob));
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(blob, snapshotFile, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Records that {@code id.revision()} points to {@code commit} (not for commit-hash revisions).
   */
  void writeRef(HubModelId id, String commit) throws IOException {
    if (id.revision().equals(commit)) return;
    Path ref = ref(id);
    AtomicOutput.writeString(ref, commit);
  }
}
