package io.qpeft.server;

/**
 * Request limits of the HTTP service. They keep one request from taking the memory or the scoring
 * time of all the others; a request over a limit is answered 413 naming the limit and its value.
 *
 * @param maxBodyBytes largest request body, in bytes
 * @param maxDocuments most documents in one request
 * @param maxDocumentChars most characters (UTF-16 units) in one document, title included
 * @param maxDocumentTokens most tokens in one document, title included, counted by the server's
 *     token counter; 0 disables the check
 */
public record Limits(
    long maxBodyBytes, int maxDocuments, int maxDocumentChars, int maxDocumentTokens) {

  public static final Limits DEFAULT = new Limits(8L << 20, 1000, 100_000, 0);

  public Limits {
    require(maxBodyBytes > 0, "--max-body-bytes must be positive, got " + maxBodyBytes);
    require(maxDocuments > 0, "--max-documents must be positive, got " + maxDocuments);
    require(maxDocumentChars > 0, "--max-document-chars must be positive, got " + maxDocumentChars);
    require(
        maxDocumentTokens >= 0,
        "--max-document-tokens must be zero (off) or positive, got " + maxDocumentTokens);
  }

  static void require(boolean condition, String message) {
    if (!condition) throw new IllegalArgumentException(message);
  }
}
