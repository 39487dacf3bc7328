package io.qpeft.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer. Encoding never truncates (DJL truncates at 512
 * tokens by default) and never pads. {@link #encode} adds no special tokens; {@link
 * #encodeWithSpecialTokens} adds what the tokenizer's post-processor adds.
 */
public final class TextTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final HuggingFaceTokenizer withSpecial;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, HuggingFaceTokenizer withSpecial) {
    this.tokenizer = tokenizer;
    this.withSpecial = withSpecial;
  }

  /** Loads {@code tokenizer.json} from a model folder. */
  public static TextTokenizer load(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("missing tokenizer file: " + file);
    }
    try {
      return new TextTokenizer(build(file, false), build(file, true));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot read tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  private static HuggingFaceTokenizer build(Path file, boolean special) throws IOException {
    return HuggingFaceTokenizer.builder()
        .optTokenizerPath(file)
        .optAddSpecialTokens(special)
        .optTruncation(false)
        .optPadding(false)
        .build();
  }

  /** Token ids of {@code text}, no special tokens added. */
  public int[] encode(String text) {
    return toInts(tokenizer.encode(text, false, false));
  }

  /** Token ids of {@code text} with the tokenizer's usual special tokens (its post-processor). */
  public int[] encodeWithSpecialTokens(String text) {
    return toInts(withSpecial.encode(text, true, false));
  }

  /** Text of {@code ids}, special tokens skipped. */
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) l[i] = ids[i];
    return tokenizer.decode(l, true);
  }

  private static int[] toInts(Encoding e) {
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
    withSpecial.close();
  }
}
