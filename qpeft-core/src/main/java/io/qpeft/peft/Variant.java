package io.qpeft.peft;

/** What an adapter trains and splices into the prompt. */
public enum Variant {
  /** Q-PEFT-R: top-k passage tokens most similar to the query -> learnable embedding -> MLP. */
  RETRIEVAL("retrieval", true),
  /**
   * Q-PEFT-A: multi-head attention from query tokens to passage tokens -> MLP, one hint per query
   * token.
   */
  ATTENTION("attention", true),
  /** Prompt tuning baseline: only the soft prompt is trained, no hints. */
  PROMPT("prompt", false),
  /**
   * UPR with the instruction prompt: the frozen soft prompt (the instruction's embeddings), nothing
   * trained.
   */
  INSTRUCTION("instruction", false);

  private final String id;
  private final boolean hasModule;

  Variant(String id, boolean hasModule) {
    this.id = id;
    this.hasModule = hasModule;
  }

  public String id() {
    return id;
  }

  /** Whether a query-dependent module produces hints. */
  public boolean hasModule() {
    return hasModule;
  }

  public static Variant parse(String s) {
    for (Variant v : values()) {
      if (v.id.equalsIgnoreCase(s)) return v;
    }
    throw new IllegalArgumentException(
        "unknown variant '" + s + "'; allowed: retrieval, attention, prompt, instruction");
  }
}
