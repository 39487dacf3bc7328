package io.qpeft.model;

import java.util.List;

/**
 * A request's score and {@code d(-meanLogprob)/d(vectors)} for each of its soft segments, each
 * row-major {@code (length, hiddenSize)}.
 */
public record SoftGradient(TargetScore score, List<float[]> segmentGradients) {}
