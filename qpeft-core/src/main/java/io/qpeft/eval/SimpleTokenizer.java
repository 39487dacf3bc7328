package io.qpeft.eval;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DPR's {@code SimpleTokenizer} (facebookresearch/DPR, {@code dpr/utils/tokenizers.py}, from DrQA):
 * a token is a run of letters, digits and combining marks ({@code [\p{L}\p{N}\p{M}]+}) or any
 * single character that is neither a separator nor a control/format/unassigned character ({@code
 * [^\p{Z}\p{C}]}). Used to decide {@code has_answer} exactly as DPR does.
 */
public final class SimpleTokenizer {
  private static final Pattern TOKEN = Pattern.compile("([\\p{L}\\p{N}\\p{M}]+)|([^\\p{Z}\\p{C}])");

  private SimpleTokenizer() {}

  /**
   * The tokens of {@code text}, lower-cased when {@code uncased} (DPR's {@code words(uncased)}).
   */
  public static List<String> tokenize(String text, boolean uncased) {
    List<String> out = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      String t = m.group();
      out.add(uncased ? t.toLowerCase(Locale.ROOT) : t);
    }
    return out;
  }

  /** Unicode NFD, as DPR's {@code _normalize} does before matching. */
  public static String normalize(String text) {
    return Normalizer.normalize(text, Normalizer.Form.NFD);
  }
}
