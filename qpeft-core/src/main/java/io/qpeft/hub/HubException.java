package io.qpeft.hub;

/**
 * The hub refused or could not answer a request. The message names the URL, the HTTP status and
 * what to do (set {@code HF_TOKEN}, check the model id or revision, check the network).
 */
public final class HubException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int statusCode;

  public HubException(String message, int statusCode, Throwable cause) {
    super(message, cause);
    this.statusCode = statusCode;
  }

  /** The HTTP status, or -1 for a network failure (no answer). */
  public int statusCode() {
    return statusCode;
  }
}
