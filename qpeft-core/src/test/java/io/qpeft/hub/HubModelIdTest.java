package io.qpeft.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HubModelIdTest {
  @Test
  void parsesRepoAndRevision() {
    assertEquals(
        new HubModelId("Qwen/Qwen2.5-0.5B", "main"), HubModelId.parse("Qwen/Qwen2.5-0.5B"));
    assertEquals(new HubModelId("org/name", "refs/pr/3"), HubModelId.parse("org/name@refs/pr/3"));
    assertEquals(
        "models--HuggingFaceTB--SmolLM2-135M",
        HubModelId.parse("HuggingFaceTB/SmolLM2-135M").cacheFolderName());
    assertTrue(new HubModelId("a/b", "0123456789abcdef0123456789abcdef01234567").isCommitHash());
    assertFalse(HubModelId.parse("a/b").isCommitHash());
  }

  @Test
  void rejectsWhatIsNotAHubId() {
    assertFalse(HubModelId.looksLikeHubId("/abs/path"));
    assertFalse(HubModelId.looksLikeHubId("a/b/c"));
    assertFalse(HubModelId.looksLikeHubId("gpt2"));
    assertTrue(HubModelId.looksLikeHubId("openai-community/gpt2@main"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HubModelId.parse("../x"));
    assertTrue(e.getMessage().contains("org/name[@revision]"), e.getMessage());
  }
}
