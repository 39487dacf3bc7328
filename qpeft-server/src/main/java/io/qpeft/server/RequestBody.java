package io.qpeft.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;

/** Reads a request body, refusing more than the limit (413) before and while reading. */
final class RequestBody {
  private RequestBody() {}

  /** The body of {@code ex}, at most {@code max} bytes (--max-body-bytes). */
  static byte[] read(HttpExchange ex, long max) {
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(null, "bad Content-Length header: " + declared);
      }
      if (length > max) throw tooLarge(max, length);
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
      if (body.length > max) throw tooLarge(max, body.length);
      return body;
    } catch (IOException e) {
      throw ApiException.badRequest(null, "cannot read request body: " + e.getMessage());
    }
  }

  private static ApiException tooLarge(long max, long length) {
    return ApiException.tooLarge(
        "body",
        "request body of "
            + length
            + " bytes"
            + (length == max + 1 ? " or more" : "")
            + " is over the limit (--max-body-bytes) of "
            + max
            + " bytes",
        max,
        length);
  }
}
