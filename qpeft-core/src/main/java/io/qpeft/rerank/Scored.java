package io.qpeft.rerank;

import io.qpeft.data.Passage;

/** A passage with its reranker score and its position in the input list. */
public record Scored(int index, Passage passage, double score) {}
