package io.qpeft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.rerank.Scored;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A closed-loop load generator for {@code /v1/rerank} on the loopback interface: {@code clients}
 * threads each send one request at a time until {@code maxRequests} have been sent or {@code
 * maxDuration} has passed, so it always stops by itself. Every 200 answer is compared with the
 * offline ranking of the same input ({@code Reranker.rerank}): same order, bit-identical scores. A
 * request sent before the time limit may finish up to min(limit, 30 s) after it; one that gets no
 * answer by then counts as status 0 ("error").
 */
public final class LoadBenchmark {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private LoadBenchmark() {}

  /** One benchmark request: a query and its documents. */
  public record Item(Query query, List<Passage> passages) {
    public Item {
      Objects.requireNonNull(query, "query");
      passages = List.copyOf(passages);
    }
  }

  /** Limits and identity of one load run. */
  public record Options(int clients, int maxRequests, Duration maxDuration, String bearerToken) {
    public Options {
      require(clients > 0, "--clients must be positive, got " + clients);
      require(maxRequests > 0, "--requests must be positive, got " + maxRequests);
      require(
          !maxDuration.isNegative() && !maxDuration.isZero(),
          "--max-seconds must be positive, got " + maxDuration.toSeconds());
    }
  }

  /**
   * What one load run measured. Status 0 counts requests that got no HTTP answer.
   *
   * @param latencyNanos the latency of every answered request, sorted
   */
  public record Report(
      int requests,
      double seconds,
      Map<Integer, Integer> statusCounts,
      long documents,
      long[] latencyNanos,
      int compared,
      int mismatched,
      double maxAbsDiff) {

    public double p50Millis() {
      return percentile(latencyNanos, 0.50);
    }

    public double p99Millis() {
      return percentile(latencyNanos, 0.99);
    }

    /** Several runs of the same configuration as one: counts and times add up. */
    public static Report combine(List<Report> runs) {
      Map<Integer, Integer> counts = new TreeMap<>();
      int requests = 0;
      int compared = 0;
      int mismatched = 0;
      long documents = 0;
      double seconds = 0;
      double maxAbsDiff = 0;
      long[] latencies = new long[0];
      for (Report r : runs) {
        requests += r.requests;
        seconds += r.seconds;
        documents += r.documents;
        compared += r.compared;
        mismatched += r.mismatched;
        maxAbsDiff = Math.max(maxAbsDiff, r.maxAbsDiff);
        r.statusCounts.forEach((k, v) -> counts.merge(k, v, Integer::sum));
        long[] merged =
            java.util.Arrays.copyOf(latencies, latencies.length + r.latencyNanos.length);
        System.arraycopy(r.latencyNanos, 0, merged, latencies.length, r.latencyNanos.length);
        latencies = merged;
      }
      java.util.Arrays.sort(latencies);
      return new Report(
          requests, seconds, counts, documents, latencies, compared, mismatched, maxAbsDiff);
    }

    public double requestsPerSecond() {
      return requests / seconds;
    }

    public double documentsPerSecond() {
      return documents / seconds;
    }

    public boolean identical() {
      return compared > 0 && mismatched == 0;
    }
  }

  /**
   * {@code count} seeded pseudo-random requests of {@code documents} documents of {@code words}
   * words; each query takes words from one of its documents so that scores differ.
   */
  public static List<Item> synthetic(int count, int documents, int words, long seed) {
    require(count > 0, "request count must be positive, got " + count);
    require(documents > 0, "--documents must be positive, got " + documents);
    require(words > 0, "--words must be positive, got " + words);
    SyntheticCorpus corpus = SyntheticCorpus.of(SyntheticCorpus.ENGLISH, 0);
    SplittableRandom random = new SplittableRandom(seed);
    List<Item> items = new ArrayList<>(count);
    for (int r = 0; r < count; r++) {
      List<Passage> passages = new ArrayList<>(documents);
      for (int d = 0; d < documents; d++) {
        passages.add(new Passage(Integer.toString(d), "", corpus.text(random, words)));
      }
      String[] source = passages.get(random.nextInt(documents)).text().split(" ");
      StringBuilder q = new StringBuilder();
      for (int i = 0; i < 6; i++) {
        q.append(i == 0 ? "" : " ").append(source[random.nextInt(source.length)]);
      }
      items.add(new Item(new Query("bench-" + r, q.toString()), passages));
    }
    return items;
  }

  /** The {@code /v1/rerank} body of an item. */
  public static byte[] body(Item item) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("query", item.query().text());
    ArrayNode docs = root.putArray("documents");
    for (Passage p : item.passages()) {
      if (p.title().isEmpty()) docs.add(p.text());
      else docs.addObject().put("text", p.text()).put("title", p.title());
    }
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Refuses a URL whose host is not a loopback address: the benchmark never loads a remote host.
   */
  public static URI requireLoopback(URI url) {
    try {
      if (url.getHost() == null || !InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
        throw new IllegalArgumentException(
            "--url " + url + ": bench-serve only targets loopback (127.0.0.1, ::1, localhost)");
      }
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--url " + url + ": unknown host", e);
    }
    return url;
  }

  /**
   * Sends the items round-robin from {@code options.clients()} threads and compares each 200 answer
   * with {@code expected.get(i)} (the offline ranking of item i), when given.
   */
  public static Report run(
      URI baseUri, List<Item> items, List<List<Scored>> expected, Options options)
      throws InterruptedException {
    requireLoopback(baseUri);
    if (expected != null && expected.size() != items.size()) {
      throw new IllegalArgumentException(
          "expected rankings for " + expected.size() + " items, got " + items.size() + " items");
    }
    URI endpoint = baseUri.resolve("/v1/rerank");
    List<byte[]> bodies = items.stream().map(LoadBenchmark::body).toList();
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    long start = System.nanoTime();
    long deadline = start + options.maxDuration().toNanos();
    // a request sent before the deadline may take this long past it; then it counts as an error
    long grace = Math.min(options.maxDuration().toNanos(), Duration.ofSeconds(30).toNanos());
    AtomicInteger next = new AtomicInteger();
    // one slot per request, written by the client that sent it, read after all clients joined
    Outcome[] outcomes = new Outcome[options.maxRequests()];
    Comparison comparison = new Comparison();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < options.clients(); c++) {
      Thread t =
          new Thread(
              () -> {
                while (true) {
                  int k = next.getAndIncrement();
                  long now = System.nanoTime();
                  if (k >= options.maxRequests() || now >= deadline) return;
                  int i = k % items.size();
                  HttpRequest.Builder request =
                      HttpRequest.newBuilder(endpoint)
                          .timeout(Duration.ofNanos(deadline - now + grace))
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)));
                  if (options.bearerToken() != null) {
                    request.header("Authorization", "Bearer " + options.bearerToken());
                  }
                  try {
                    HttpResponse<String> r =
                        client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    outcomes[k] = new Outcome(System.nanoTime() - now, r.statusCode());
                    if (r.statusCode() == 200 && expected != null)
                      comparison.check(r.body(), expected.get(i));
                  } catch (IOException e) {
                    outcomes[k] = new Outcome(System.nanoTime() - now, 0);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
              },
              "bench-client-" + c);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) t.join();
    double seconds = (System.nanoTime() - start) / 1e9;
    int sent = Math.min(next.get(), options.maxRequests());
    // requests past the deadline were never sent: their slots stay empty
    Map<Integer, Integer> counts = new TreeMap<>();
    List<Long> answered = new ArrayList<>();
    long documents = 0;
    int requests = 0;
    for (int k = 0; k < sent; k++) {
      Outcome o = outcomes[k];
      if (o == null) continue;
      requests++;
      counts.merge(o.status(), 1, Integer::sum);
      answered.add(o.latencyNanos());
      if (o.status() == 200) documents += items.get(k % items.size()).passages().size();
    }
    long[] sorted = answered.stream().mapToLong(Long::longValue).sorted().toArray();
    return new Report(
        requests,
        seconds,
        counts,
        documents,
        sorted,
        comparison.compared.get(),
        comparison.mismatched.get(),
        comparison.maxAbsDiff());
  }

  /** What one request got: its latency and its HTTP status (0: no answer). */
  private record Outcome(long latencyNanos, int status) {}

  static double percentile(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) return Double.NaN;
    int rank = (int) Math.ceil(q * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, rank - 1))] / 1e6;
  }

  /** Compares answers with offline rankings: same indices in the same order, same scores. */
  private static final class Comparison {
    final AtomicInteger compared = new AtomicInteger();
    final AtomicInteger mismatched = new AtomicInteger();
    private double maxAbsDiff;

    void check(String body, List<Scored> expected) {
      compared.incrementAndGet();
      boolean same;
      double diff = 0;
      try {
        JsonNode results = MAPPER.readTree(body).get("results");
        same = results.size() == expected.size();
        for (int j = 0; same && j < results.size(); j++) {
          JsonNode r = results.get(j);
          double score = r.get("relevance_score").asDouble();
          diff = Math.max(diff, Math.abs(score - expected.get(j).score()));
          same =
              r.get("index").asInt() == expected.get(j).index()
                  && Double.compare(score, expected.get(j).score()) == 0;
        }
      } catch (IOException | RuntimeException e) {
        same = false;
      }
      if (!same) mismatched.incrementAndGet();
      synchronized (this) {
        maxAbsDiff = Math.max(maxAbsDiff, diff);
      }
    }

    synchronized double maxAbsDiff() {
      return maxAbsDiff;
    }
  }

  /** One line of figures: requests, seconds, req/s, docs/s, p50, p99, status counts. */
  public static String describe(Report r) {
    return String.format(
        java.util.Locale.ROOT,
        "%d requests in %.2f s: %.1f req/s, %.1f docs/s, p50 %.1f ms, p99 %.1f ms, status %s",
        r.requests(),
        r.seconds(),
        r.requestsPerSecond(),
        r.documentsPerSecond(),
        r.p50Millis(),
        r.p99Millis(),
        statusText(r.statusCounts()));
  }

  /** Status counts as {@code 200=98 503=2}; 0 is shown as {@code error}. */
  public static String statusText(Map<Integer, Integer> counts) {
    StringBuilder b = new StringBuilder();
    counts.forEach(
        (k, v) ->
            b.append(b.length() == 0 ? "" : " ")
                .append(k == 0 ? "error" : Integer.toString(k))
                .append('=')
                .append(v));
    return b.length() == 0 ? "none" : b.toString();
  }

  private static void require(boolean condition, String message) {
    if (!condition) throw new IllegalArgumentException(message);
  }
}
