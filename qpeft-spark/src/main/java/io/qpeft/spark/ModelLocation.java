package io.qpeft.spark;

import io.qpeft.hub.DownloadListener;
import io.qpeft.hub.HubClient;
import io.qpeft.hub.HubModelId;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkFiles;

/**
 * Where executors find a model (or adapter) folder. The driver decides ({@link #prepare}):
 *
 * <ul>
 *   <li>a local folder is read in place by every executor: in local mode that is this machine's
 *       folder; on a cluster it must exist at the same path on every node (a shared or baked-in
 *       file system), since copying a multi-GB model through the driver to every executor is slow;
 *   <li>a URI ({@code hdfs://}, {@code s3a://}, {@code gs://}, {@code file:/}) is shipped with
 *       {@link SparkContext#addFile(String, boolean)}: each executor fetches it once into its
 *       working folder;
 *   <li>a hub id {@code org/name[@revision]} is downloaded by the driver into its Hugging Face
 *       cache and then shipped like a URI (read in place in local mode).
 * </ul>
 *
 * @param shipped whether {@code value} is a {@link SparkFiles} name rather than a path
 * @param value the path, or the name under which the folder was shipped
 */
public record ModelLocation(boolean shipped, String value) implements Serializable {
  private static final Pattern URI_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*");

  public ModelLocation {
    Objects.requireNonNull(value, "value");
  }

  /** A folder every executor reads at this path. */
  public static ModelLocation local(Path folder) {
    return new ModelLocation(false, folder.toAbsolutePath().normalize().toString());
  }

  /**
   * Decides, on the driver, how executors get {@code model} (see the class comment); {@code option}
   * names the command-line option in error messages.
   */
  public static ModelLocation prepare(SparkContext sc, String model, String option) {
    if (URI_SCHEME.matcher(model).matches()) return ship(sc, model);
    Path p = Path.of(model);
    if (Files.isDirectory(p)) return local(p);
    if (!HubModelId.looksLikeHubId(model)) {
      throw new IllegalArgumentException(
          option
              + " "
              + model
              + ": no such folder, not a URI (hdfs://..., s3a://..., file:/...) and not a hub id"
              + " (org/name[@revision])");
    }
    Path dir = HubClient.fromEnvironment().download(HubModelId.parse(model), DownloadListener.NONE);
    return sc.isLocal() ? local(dir) : ship(sc, dir.toUri().toString());
  }

  private static ModelLocation ship(SparkContext sc, String uri) {
    String path = URI.create(uri).getPath();
    while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty())
      throw new IllegalArgumentException("cannot ship " + uri + ": no folder name");
    sc.addFile(uri, true);
    return new ModelLocation(true, name);
  }

  /** The local folder, on an executor (or the driver in local mode). */
  Path resolve() {
    return shipped ? Path.of(SparkFiles.get(value)) : Path.of(value);
  }
}
