package io.qpeft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden cases: expected values computed by DPR's own has_answer (qa_validation.py with the Python
 * {@code regex} module's SimpleTokenizer), run on these inputs.
 */
class AnswerMatcherTest {
  private static void check(
      List<String> answers, String text, AnswerMatcher mode, boolean expected) {
    assertEquals(
        expected, mode.hasAnswer(answers, text), mode + " " + answers + " in '" + text + "'");
  }

  @Test
  void stringModeMatchesDprGoldenCases() {
    AnswerMatcher s = AnswerMatcher.STRING;
    check(List.of("Barack Obama"), "President barack  obama was born in Hawaii.", s, true);
    check(List.of("Obama"), "Obamacare is a law.", s, false);
    check(List.of("U.S."), "the U.S. army", s, true);
    check(List.of("U.S."), "the US army", s, false);
    check(List.of("café"), "Le cafe\u0301 est ouvert", s, true);
    check(List.of("Café"), "le CAFÉ", s, true);
    check(List.of("1,000"), "about 1,000 people", s, true);
    check(List.of("1,000"), "about 1000 people", s, false);
    check(List.of("naïve"), "a naive approach", s, false);
    check(List.of(""), "anything", s, true); // DPR quirk: an empty answer matches everything
    check(List.of(), "anything", s, false);
    check(List.of("Ünïcödé"), "ÜNÏCÖDÉ text", s, true);
    check(List.of("e.g."), "e. g. this", s, true);
    check(List.of("New York"), "newyork city", s, false);
    check(List.of("Σίσυφος"), "ο ΣΊΣΥΦΟΣ ήταν", s, true);
    check(List.of("nothing", "Hawaii"), "born in Hawaii", s, true);
  }

  @Test
  void regexModeMatchesDprGoldenCases() {
    AnswerMatcher r = AnswerMatcher.REGEX;
    check(List.of("19[0-9]{2}"), "in 1987 it", r, true);
    check(List.of("^foo$"), "bar\nFOO\nbaz", r, true);
    check(List.of("(unclosed"), "(unclosed", r, false);
    check(List.of("café"), "CAFE\u0301", r, true);
    check(List.of("\\bcat\\b"), "concatenate", r, false);
    check(List.of("\\w+é"), "résumé", r, true);
  }

  @Test
  void tokenizerMatchesDprSimpleTokenizer() {
    assertEquals(
        List.of(
            "hello",
            ",",
            "world",
            "!",
            "it",
            "'",
            "s",
            "3",
            ".",
            "5km",
            "—",
            "nai\u0308ve",
            "東京タワー"),
        SimpleTokenizer.tokenize(
            SimpleTokenizer.normalize("Hello, World! It's 3.5km—naïve 東京タワー"), true));
  }
}
