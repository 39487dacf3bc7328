package io.qpeft.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Locale;
import java.util.Properties;

/**
 * Which PyTorch build DJL runs on and how many GPUs it sees: what device selection decides from.
 * The build is the {@code flavor} of the PyTorch native jar on the class path ({@code cpu} by
 * default; {@code cu124} with {@code ./mvnw -Pgpu package}).
 *
 * @param version PyTorch version, e.g. {@code 2.5.1}
 * @param flavor {@code cpu}, {@code cu124}, ... ({@code unknown} when the native library was
 *     supplied another way)
 * @param gpuCount GPUs visible to that build (always 0 on the CPU build)
 */
public record EngineBuild(String version, String flavor, int gpuCount) {
  private static volatile EngineBuild detected;

  public EngineBuild {
    if (gpuCount < 0) throw new IllegalArgumentException("gpuCount must be >= 0, got " + gpuCount);
  }

  /** The build of this process's PyTorch engine, detected once (this loads the engine). */
  public static EngineBuild detect() {
    EngineBuild b = detected;
    if (b == null) {
      synchronized (EngineBuild.class) {
        if (detected == null) detected = probe();
        b = detected;
      }
    }
    return b;
  }

  private static EngineBuild probe() {
    Engine engine = Engine.getEngine("PyTorch");
    String flavor = nativeFlavor();
    int gpus = 0;
    if (engine.hasCapability(StandardCapabilities.CUDA)) {
      // DJL counts through the system's libcudart, which the CUDA jar does not install; PyTorch's
      // own answer (CUDA capability = at least one device) is then probed device by device.
      gpus = engine.getGpuCount();
      if (gpus == 0) {
        while (gpus < 64 && usable(engine, gpus)) gpus++;
      }
    }
    String version = engine.getVersion().replaceAll("-.*", "");
    return new EngineBuild(version, flavor, gpus);
  }

  private static boolean usable(Engine engine, int gpu) {
    try (NDManager m = engine.newBaseManager(Device.gpu(gpu))) {
      m.zeros(new ai.djl.ndarray.types.Shape(1)).toFloatArray();
      return true;
    } catch (EngineException | IllegalArgumentException e) {
      return false;
    }
  }

  /** The flavor named in the PyTorch native jar's {@code native/lib/pytorch.properties}. */
  private static String nativeFlavor() {
    URL url = EngineBuild.class.getClassLoader().getResource("native/lib/pytorch.properties");
    if (url == null) return "unknown";
    Properties p = new Properties();
    try (InputStream in = url.openStream()) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + url, e);
    }
    return p.getProperty("flavor", "unknown").trim().toLowerCase(Locale.ROOT);
  }

  /** Whether this is a CUDA build of PyTorch ({@code cu...}). */
  public boolean isCuda() {
    return flavor.startsWith("cu");
  }

  /** {@code CPU}, {@code CUDA 12.4}, or the flavor as given. */
  public String label() {
    if (flavor.equals("cpu")) return "CPU";
    if (isCuda()
        && flavor.length() >= 4
        && flavor.substring(2).chars().allMatch(Character::isDigit)) {
      String digits = flavor.substring(2);
      return "CUDA "
          + digits.substring(0, digits.length() - 1)
          + "."
          + digits.substring(digits.length() - 1);
    }
    return flavor;
  }

  /** For start-up lines: {@code PyTorch 2.5.1, CPU build}. */
  public String describe() {
    return "PyTorch " + version + ", " + label() + " build";
  }
}
