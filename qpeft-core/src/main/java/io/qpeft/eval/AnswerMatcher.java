package io.qpeft.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * DPR's {@code has_answer} (facebookresearch/DPR, {@code dpr/data/qa_validation.py}): does a
 * passage text contain one of the gold answers? Both sides are NFD-normalised first.
 *
 * <ul>
 *   <li>{@link #STRING}: the answer's token sequence occurs in the passage's token sequence, both
 *       tokenized by {@link SimpleTokenizer} and lower-cased. As in DPR, an answer with no tokens
 *       (e.g. "") matches every passage.
 *   <li>{@link #REGEX}: the answer is a regular expression searched in the passage,
 *       case-insensitive, Unicode-aware, multi-line (Python {@code re.IGNORECASE | re.UNICODE |
 *       re.MULTILINE}); an answer that is not a valid pattern matches nothing. Used for
 *       CuratedTREC.
 * </ul>
 *
 * DPR matches against the passage text only, not its title; callers should do the same.
 */
public enum AnswerMatcher {
  STRING,
  REGEX;

  private static final int REGEX_FLAGS =
      Pattern.CASE_INSENSITIVE
          | Pattern.UNICODE_CASE
          | Pattern.MULTILINE
          | Pattern.UNICODE_CHARACTER_CLASS;

  public boolean hasAnswer(List<String> answers, String text) {
    return forAnswers(answers).test(text);
  }

  /** A reusable test for one question's answers (answers are tokenized or compiled once). */
  public Predicate<String> forAnswers(List<String> answers) {
    if (this == REGEX) {
      List<Pattern> patterns = new ArrayList<>();
      for (String a : answers) {
        try {
          patterns.add(Pattern.compile(SimpleTokenizer.normalize(a), REGEX_FLAGS));
        } catch (PatternSyntaxException e) {
          // DPR's regex_match returns False for a pattern that does not compile
        }
      }
      return text -> {
        String t = SimpleTokenizer.normalize(text);
        for (Pattern p : patterns) if (p.matcher(t).find()) return true;
        return false;
      };
    }
    List<List<String>> tokenized = new ArrayList<>();
    for (String a : answers)
      tokenized.add(SimpleTokenizer.tokenize(SimpleTokenizer.normalize(a), true));
    return text -> {
      if (tokenized.isEmpty()) return false;
      List<String> words = SimpleTokenizer.tokenize(SimpleTokenizer.normalize(text), true);
      for (List<String> answer : tokenized) {
        if (Collections.indexOfSubList(words, answer) >= 0) return true;
      }
      return false;
    };
  }
}
