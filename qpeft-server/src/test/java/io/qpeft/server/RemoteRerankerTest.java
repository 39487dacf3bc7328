package io.qpeft.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Scored;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client half of {@code /v1/rerank}, against a real server on the loopback interface. */
class RemoteRerankerTest {
  static final List<Passage> PASSAGES =
      List.of(
          new Passage("a", "the nile flows north"),
          new Passage("b", "Paris", "the eiffel tower is in paris"),
          new Passage("c", "a tower of books"));

  @Test
  void scoresEqualTheServedRerankersInInputOrder() throws Exception {
    OverlapReranker local = new OverlapReranker();
    try (RerankServer server =
        RerankServer.builder().setReranker(local).optPort(0).build().start()) {
      RemoteReranker remote = RemoteReranker.builder().setUrl(server.baseUri().toString()).build();
      Query q = new Query("q", "where is the eiffel tower in paris");
      assertArrayEquals(local.score(q, PASSAGES), remote.score(q, PASSAGES));
      List<Scored> best = remote.rerank(q, PASSAGES, 2);
      // b shares 5 words; a ("the") and c ("tower") one each: the tie keeps input order
      assertEquals(List.of("b", "a"), best.stream().map(s -> s.passage().docid()).toList());
      assertEquals(0, remote.score(q, List.of()).length);
      assertEquals(server.baseUri().resolve("/v1/rerank"), remote.endpoint());
    }
  }

  @Test
  void tokensLimitsAndUnreachableServersGiveClearErrors() throws Exception {
    try (RerankServer server =
        RerankServer.builder()
            .setReranker(new OverlapReranker())
            .optPort(0)
            .optBearerToken("s3cret")
            .optLimits(new Limits(1 << 20, 2, 1000, 0))
            .build()
            .start()) {
      String url = server.baseUri().toString();
      Query q = new Query("q", "tower");
      IllegalArgumentException noToken =
          assertThrows(
              IllegalArgumentException.class,
              () -> RemoteReranker.builder().setUrl(url).build().score(q, PASSAGES.subList(0, 1)));
      assertTrue(noToken.getMessage().contains("answered 401"), noToken.getMessage());
      RemoteReranker withToken = RemoteReranker.builder().setUrl(url).optToken("s3cret").build();
      assertEquals(1, withToken.score(q, PASSAGES.subList(0, 1)).length);
      IllegalArgumentException tooMany =
          assertThrows(IllegalArgumentException.class, () -> withToken.score(q, PASSAGES));
      assertTrue(tooMany.getMessage().contains("413"), tooMany.getMessage());
      assertTrue(tooMany.getMessage().contains("--max-documents"), tooMany.getMessage());
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    RemoteReranker nobody =
        RemoteReranker.builder()
            .setUrl("http://127.0.0.1:" + closedPort)
            .optTimeout(Duration.ofSeconds(5))
            .build();
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class,
            () -> nobody.score(new Query("q", "x"), PASSAGES.subList(0, 1)));
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> RemoteReranker.builder().setUrl("localhost:8080").build());
  }
}
