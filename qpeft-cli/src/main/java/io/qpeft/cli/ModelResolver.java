package io.qpeft.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Turns a {@code --model} value into a local model folder. */
final class ModelResolver {
  private ModelResolver() {}

  static Path resolve(String model) {
    Path p = Path.of(model);
    if (Files.isDirectory(p)) return p;
    throw new IllegalArgumentException("model folder not found: " + model);
  }
}
