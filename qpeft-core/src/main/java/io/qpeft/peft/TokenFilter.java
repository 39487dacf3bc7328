package io.qpeft.peft;

import io.qpeft.model.ModelConfig;
import io.qpeft.tokenizer.TextTokenizer;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which passage tokens may become hints. A token is special when it is the model's BOS/EOS or
 * decodes to nothing (the tokenizer skips special tokens when decoding). Thread-safe.
 */
public final class TokenFilter {
  /** A short English stop-word list (NLTK's most frequent entries). */
  static final Set<String> STOP_WORDS =
      Set.of(
          "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "about",
          "to", "from", "in", "on", "into", "over", "under", "is", "are", "was", "were", "be",
          "been", "being", "am", "do", "does", "did", "have", "has", "had", "it", "its", "this",
          "that", "these", "those", "he", "she", "they", "them", "his", "her", "their", "we", "you",
          "i", "me", "my", "our", "your", "as", "not", "no", "so", "than", "too", "very", "can",
          "will", "just", "what", "which", "who", "whom", "when", "where", "why", "how", "there",
          "here", "s", "t", "all", "any", "some", "such", "only", "own", "same", "then", "once",
          "also", "would", "could", "should");

  private final TextTokenizer tokenizer;
  private final int bos;
  private final int eos;
  private final ConcurrentHashMap<Integer, String> decoded = new ConcurrentHashMap<>();

  public TokenFilter(TextTokenizer tokenizer, ModelConfig config) {
    this.tokenizer = tokenizer;
    this.bos = config.bosTokenId();
    this.eos = config.eosTokenId();
  }

  /** Whether {@code word} (lower case) is on the stop-word list. */
  public static boolean isStopWord(String word) {
    return STOP_WORDS.contains(word);
  }

  /** The token's text, trimmed and lower-cased; empty for special tokens. */
  public String text(int id) {
    return raw(id).trim().toLowerCase(Locale.ROOT);
  }

  private String raw(int id) {
    return decoded.computeIfAbsent(id, i -> tokenizer.decode(new int[] {i}));
  }

  public boolean isSpecial(int id) {
    return id == bos || id == eos || raw(id).isEmpty();
  }

  /** Whether {@code id} may be a Q-PEFT-R hint under the given filters. */
  public boolean allowed(int id, boolean stopWords, boolean alphabeticOnly) {
    if (isSpecial(id)) return false;
    String t = text(id);
    if (stopWords && STOP_WORDS.contains(t)) return false;
    return !alphabeticOnly || t.chars().anyMatch(Character::isLetter);
  }
}
