package io.qpeft.rerank;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The reranking methods, by the names the command line, the server and the library use. */
public enum RerankMethod {
  /** Zero-shot query likelihood (UPR): {@link UprReranker}. */
  UPR("upr", null),
  /** Query likelihood with a trained Q-PEFT adapter: {@link QpeftReranker}. */
  QPEFT("qpeft", null),
  /** Qwen3-Reranker's yes/no judgement: {@link YesNoTemplate#QWEN3_RERANKER}. */
  QWEN3_RERANKER("qwen3-reranker", YesNoTemplate.QWEN3_RERANKER),
  /** bge-reranker-v2-gemma's "Yes" logit: {@link YesNoTemplate#BGE_GEMMA}. */
  BGE_GEMMA("bge-gemma", YesNoTemplate.BGE_GEMMA),
  /** A yes/no judgement with the user's own template and answer tokens. */
  YESNO("yesno", null);

  private final String id;
  private final YesNoTemplate preset;

  RerankMethod(String id, YesNoTemplate preset) {
    this.id = id;
    this.preset = preset;
  }

  /** The name users write, e.g. {@code qwen3-reranker}. */
  public String id() {
    return id;
  }

  /** Whether the score comes from answer-token logits (a {@link YesNoReranker}). */
  public boolean isYesNo() {
    return this == YESNO || preset != null;
  }

  /** The preset template of {@code qwen3-reranker} and {@code bge-gemma}; null for the others. */
  public YesNoTemplate preset() {
    return preset;
  }

  /** The method named {@code s} (case-insensitive). */
  public static RerankMethod parse(String s) {
    for (RerankMethod m : values()) {
      if (m.id.equalsIgnoreCase(s.trim())) return m;
    }
    throw new IllegalArgumentException("unknown method '" + s + "'; allowed: " + allowed());
  }

  /** The method names, comma-separated. */
  public static String allowed() {
    return Arrays.stream(values()).map(RerankMethod::id).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return id;
  }
}
