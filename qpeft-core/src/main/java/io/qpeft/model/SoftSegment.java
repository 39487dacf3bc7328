package io.qpeft.model;

/**
 * A block of input-embedding vectors inserted just before {@code promptIds[position]} ({@code
 * position == promptIds.length} means after the whole prompt).
 *
 * @param position insertion point in the prompt's token ids
 * @param vectors row-major {@code (length, hiddenSize)} floats
 * @param length number of vectors
 */
public record SoftSegment(int position, float[] vectors, int length) {
  public SoftSegment {
    if (position < 0) throw new IllegalArgumentException("position must be >= 0, got " + position);
    if (length <= 0 || vectors.length % length != 0) {
      throw new IllegalArgumentException(
          "vectors ("
              + vectors.length
              + " floats) must hold a positive number of rows, got "
              + length);
    }
  }

  public int hiddenSize() {
    return vectors.length / length;
  }
}
