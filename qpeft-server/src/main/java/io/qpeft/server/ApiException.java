package io.qpeft.server;

import java.util.Collection;
import java.util.Map;

/**
 * An HTTP error answer: the status, a machine-readable type, a message for people, and where it
 * applies the request field, the limit and the value that broke it. Rendered as {@code {"error":
 * {...}}}.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String type;
  final String field;
  final Long limit;
  final Long value;
  final Map<String, String> headers;

  ApiException(
      int status,
      String type,
      String message,
      String field,
      Long limit,
      Long value,
      Map<String, String> headers) {
    super(message, null, false, false); // no stack trace: this is an answer, not a bug
    this.status = status;
    this.type = type;
    this.field = field;
    this.limit = limit;
    this.value = value;
    this.headers = headers;
  }

  static ApiException badRequest(String field, String message) {
    return new ApiException(400, "invalid_request", message, field, null, null, Map.of());
  }

  static ApiException tooLarge(String field, String message, long limit, long value) {
    return new ApiException(413, "limit_exceeded", message, field, limit, value, Map.of());
  }

  static ApiException unauthorized() {
    return new ApiException(
        401,
        "unauthorized",
        "missing or wrong bearer token (header 'Authorization: Bearer <token>')",
        null,
        null,
        null,
        Map.of("WWW-Authenticate", "Bearer"));
  }

  static ApiException notFound(String path, Collection<String> endpoints) {
    return new ApiException(
        404,
        "not_found",
        "no such endpoint: " + path + "; endpoints: " + endpoints.stream().sorted().toList(),
        null,
        null,
        null,
        Map.of());
  }

  static ApiException methodNotAllowed(String method, String path, Collection<String> allowed) {
    String allow = String.join(", ", allowed.stream().sorted().toList());
    return new ApiException(
        405,
        "method_not_allowed",
        method + " " + path + " is not allowed; use " + allow,
        null,
        null,
        null,
        Map.of("Allow", allow));
  }

  /** A failure that is the server's, not the request's; the details go to the server log. */
  static ApiException internal() {
    return new ApiException(
        500,
        "internal_error",
        "internal error while scoring; see server log",
        null,
        null,
        null,
        Map.of());
  }

  static ApiException unavailable(String message, int retryAfterSeconds) {
    return new ApiException(
        503,
        "unavailable",
        message,
        null,
        null,
        null,
        Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
  }
}
