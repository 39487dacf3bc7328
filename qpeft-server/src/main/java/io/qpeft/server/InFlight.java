package io.qpeft.server;

import java.util.concurrent.TimeUnit;

/**
 * Requests between arrival and the end of their answer. {@link RerankServer#stop} waits for the
 * count to reach zero before it closes the port, so that every accepted request gets its answer.
 */
final class InFlight {
  private int count;

  synchronized void enter() {
    count++;
  }

  synchronized void leave() {
    if (--count == 0) notifyAll();
  }

  synchronized int count() {
    return count;
  }

  /** Waits until no request is in flight or {@code deadlineNanos} (System.nanoTime) passes. */
  synchronized void awaitNone(long deadlineNanos) throws InterruptedException {
    while (count > 0) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
      if (left <= 0) return;
      wait(left);
    }
  }
}
