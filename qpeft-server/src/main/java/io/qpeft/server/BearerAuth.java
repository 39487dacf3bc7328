package io.qpeft.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <token>} in constant time: both sides are hashed with SHA-256
 * first, so neither the comparison nor an early length mismatch reveals the token.
 */
final class BearerAuth {
  private final byte[] expectedHash;

  BearerAuth(String token) {
    this.expectedHash = sha256(token);
  }

  boolean accepts(String authorization) {
    if (authorization == null) return false;
    String prefix = "Bearer ";
    if (!authorization.regionMatches(true, 0, prefix, 0, prefix.length())) return false;
    return MessageDigest.isEqual(expectedHash, sha256(authorization.substring(prefix.length())));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
