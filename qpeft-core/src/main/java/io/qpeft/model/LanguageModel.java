package io.qpeft.model;

import java.util.List;

/**
 * A frozen causal language model. It computes log-likelihoods of target tokens, batched, and the
 * gradient of the mean negative log-likelihood with respect to spliced-in soft vectors. The weights
 * never receive gradients. Implementations are safe to share between threads for scoring.
 */
public interface LanguageModel extends AutoCloseable {

  ModelConfig config();

  /**
   * Default padded-token budget of one forward pass. Measured with {@code qpeft-bench bench} on
   * CPU: 2048 ran GPT-2 small 1.4x faster than 8192 (smaller intermediates stay in cache and are
   * cheaper to allocate) and took less memory.
   */
  int DEFAULT_BATCH_TOKENS = 2048;

  /**
   * Log-probabilities of each request's target tokens, in input order. Requests are grouped longest
   * first into forward passes of at most {@code batchTokens} padded tokens (batch x longest).
   */
  List<TargetScore> score(List<ScoreRequest> requests, int batchTokens);

  /**
   * The padded-token budget this model uses when none is given: {@link #DEFAULT_BATCH_TOKENS}, or
   * one derived from the free memory of the GPU it runs on.
   */
  default int defaultBatchTokens() {
    return DEFAULT_BATCH_TOKENS;
  }

  /**
   * The most input positions one sequence may use ({@code prompt + target - 1} for {@link #score},
   * the prompt for {@link #lastPositionLogits}); {@link Integer#MAX_VALUE} when the family has no
   * limit. Longer requests are refused.
   */
  default int maxSequenceLength() {
    return Integer.MAX_VALUE;
  }

  default List<TargetScore> score(List<ScoreRequest> requests) {
    return score(requests, defaultBatchTokens());
  }

  /**
   * Scores the requests and returns, for each, the gradient of its own mean target NLL ({@code
   * -meanLogprob}) with respect to each of its soft segments' vectors.
   */
  List<SoftGradient> scoreWithGradient(List<ScoreRequest> requests, int batchTokens);

  default List<SoftGradient> scoreWithGradient(List<ScoreRequest> requests) {
    return scoreWithGradient(requests, defaultBatchTokens());
  }

  /**
   * For each prompt, the logits of the vocabulary rows {@code tokenIds} at its last position (after
   * any final-logit transform of the family, such as Gemma 2's soft-capping): {@code out[i][j]} is
   * the logit of {@code tokenIds[j]} as the next token after {@code promptIds.get(i)}. Yes/no
   * rerankers read their answer tokens this way. Only the last hidden state of each prompt meets
   * only the given rows of the LM head, never the whole vocabulary; prompts are batched longest
   * first by {@code batchTokens} padded tokens, as {@link #score} does.
   */
  float[][] lastPositionLogits(List<int[]> promptIds, int[] tokenIds, int batchTokens);

  default float[][] lastPositionLogits(List<int[]> promptIds, int[] tokenIds) {
    return lastPositionLogits(promptIds, tokenIds, defaultBatchTokens());
  }

  @Override
  void close();
}
