package io.qpeft.server;

import java.util.Map;
import java.util.Set;

/** The endpoints, the methods each accepts, and who may call them. */
final class Routes {
  static final String RERANK = "/v1/rerank";
  static final String TEI_RERANK = "/rerank";
  static final String HEALTH = "/healthz";
  static final String MODELS = "/v1/models";
  static final String OPENAPI = "/openapi.json";
  static final String METRICS = "/metrics";

  private static final Map<String, Set<String>> METHODS =
      Map.of(
          RERANK, Set.of("POST"),
          TEI_RERANK, Set.of("POST"),
          HEALTH, Set.of("GET"),
          MODELS, Set.of("GET"),
          OPENAPI, Set.of("GET"),
          METRICS, Set.of("GET"));

  private final BearerAuth auth;

  /**
   * @param auth the bearer-token check, or null when the service is open
   */
  Routes(BearerAuth auth) {
    this.auth = auth;
  }

  /** The endpoint a path is counted under in the metrics: itself when known, else "other". */
  static String endpoint(String path) {
    return METHODS.containsKey(path) ? path : "other";
  }

  /**
   * Refuses an unknown path (404), a method the endpoint does not take (405), and, when a token is
   * set, a missing or wrong {@code Authorization} header on every endpoint but /healthz (401).
   */
  void check(String path, String method, String authorization) {
    Set<String> methods = METHODS.get(path);
    if (methods == null) throw ApiException.notFound(path, METHODS.keySet());
    if (!methods.contains(method)) throw ApiException.methodNotAllowed(method, path, methods);
    if (auth != null && !path.equals(HEALTH) && !auth.accepts(authorization)) {
      throw ApiException.unauthorized();
    }
  }
}
