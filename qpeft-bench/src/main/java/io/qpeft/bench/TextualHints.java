package io.qpeft.bench;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.peft.TokenFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The textual-hints baseline: what Q-PEFT-R's hints would say, written as plain text. The hint
 * words are the passage words that also occur in the query (case-insensitive, stop words left out,
 * each once, at most {@code max}), in passage order; they follow the passage as {@code \nhints: w1
 * w2 ...}, where Q-PEFT puts its hint vectors, so the frozen LM reads them with no training.
 */
final class TextualHints {
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

  private TextualHints() {}

  /** The hint words of {@code passage} for {@code query}. */
  static List<String> words(Query query, Passage passage, int max) {
    Set<String> inQuery = new HashSet<>();
    Matcher q = WORD.matcher(query.text());
    while (q.find()) inQuery.add(q.group().toLowerCase(Locale.ROOT));
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = WORD.matcher(passage.title() + " " + passage.text());
    while (m.find() && out.size() < max) {
      String w = m.group().toLowerCase(Locale.ROOT);
      if (inQuery.contains(w) && !TokenFilter.isStopWord(w)) out.putIfAbsent(w, m.group());
    }
    return new ArrayList<>(out.values());
  }

  /** The passage with its hint line appended (rendered by the Q-PEFT layout as is). */
  static Passage withHints(Query query, Passage passage, String hintsText, int max) {
    String words = String.join(" ", words(query, passage, max));
    return new Passage(
        passage.docid(),
        passage.title(),
        passage.text() + hintsText + (words.isEmpty() ? "" : " " + words));
  }
}
