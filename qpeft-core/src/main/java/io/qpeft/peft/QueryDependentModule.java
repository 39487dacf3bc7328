package io.qpeft.peft;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * A query-dependent (QD) module of Q-PEFT: from a query's and a passage's token ids it produces
 * hint vectors {@code (numHints, hidden)} that are spliced into the frozen LM's input. The hints
 * are differentiable with respect to the module's parameters (and the learnable embedding copy),
 * which live in a {@link ParameterSet} and are read through a {@link Binding}.
 */
public interface QueryDependentModule {

  /** A pair's token ids and whatever the module precomputes from them without its parameters. */
  record Input(int[] queryIds, int[] passageIds, int[] selected) {}

  /** Names of the module's own parameters (the shared embedding copy and the MLP included). */
  List<String> parameterNames();

  /** Initial values of the module's own parameters, except the embedding copy. */
  Map<String, Tensor> initialParameters(int hidden, Rng rng);

  /**
   * Work that does not depend on trainable parameters, done once per pair (e.g. Q-PEFT-R's top-k).
   */
  Input prepare(int[] queryIds, int[] passageIds);

  /** Rows of the learnable embedding copy that {@link #hints} reads. */
  int[] embeddingRows(Input in);

  /** Number of hint vectors {@link #hints} returns; 0 means no hint segment. */
  int hintCount(Input in);

  /**
   * The hint vectors {@code (hintCount, hidden)}. {@code dropout} is the training stream for
   * dropout masks, {@code null} at inference (no dropout).
   */
  NDArray hints(Binding b, Input in, Rng dropout);

  /**
   * Whether parameter {@code name} decides which passage tokens a hint draws on (query and key
   * side), rather than what the hint carries; training may give these a smaller learning rate.
   */
  default boolean isMatching(String name) {
    return false;
  }

  /**
   * The attention weights {@code (heads, queryIds, passage keys)} of an attention module, for
   * diagnostics; {@code null} for modules without attention.
   */
  default NDArray attention(Binding b, Input in) {
    return null;
  }
}
