package io.qpeft.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Out-of-memory back-off with a simulated engine: a pass of more padded tokens than the simulated
 * device holds fails as PyTorch reports it, and the batch is halved until it fits.
 */
class MemoryBackoffTest {

  /** Requests of {@code n} input rows each (prompt n, one target token). */
  private static List<ScoreRequest> requests(int count, int rows) {
    List<ScoreRequest> out = new ArrayList<>();
    for (int i = 0; i < count; i++) out.add(new ScoreRequest(new int[rows], new int[] {1}));
    return out;
  }

  /** A fake engine holding {@code capacity} padded tokens per pass; records what ran. */
  private static final class FakeDevice {
    final int capacity;
    final List<int[]> ran = new ArrayList<>();
    int failures;

    FakeDevice(int capacity) {
      this.capacity = capacity;
    }

    void forward(List<ScoreRequest> all, int[] batch) {
      int longest = 0;
      for (int i : batch) longest = Math.max(longest, all.get(i).length() - 1);
      if (longest * batch.length > capacity) {
        failures++;
        throw new EngineException(
            "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.19 GiB total capacity)");
      }
      ran.add(batch);
    }
  }

  @Test
  void outOfMemoryHalvesTheBatchAndEveryRequestRunsOnce() {
    List<ScoreRequest> reqs = requests(64, 100);
    FakeDevice device = new FakeDevice(1600); // 16 sequences of 100 fit, the budget asks for 40
    MemoryBackoff backoff = new MemoryBackoff();
    backoff.run(reqs, 4000, b -> device.forward(reqs, b));
    int[] seen = new int[reqs.size()];
    for (int[] b : device.ran) {
      assertTrue(b.length * 100 <= 1600, "ran a pass that does not fit");
      for (int i : b) seen[i]++;
    }
    for (int i = 0; i < seen.length; i++) assertEquals(1, seen[i], "request " + i);
    assertEquals(1000, backoff.cap()); // 4000 -> 2000 -> 1000: halved until it fit
    assertEquals(2, device.failures);
    // the lowered budget sticks: a later call does not fail again
    device.failures = 0;
    backoff.run(reqs, 4000, b -> device.forward(reqs, b));
    assertEquals(0, device.failures);
  }

  @Test
  void aSingleSequenceThatDoesNotFitFailsWithOneLine() {
    List<ScoreRequest> reqs = requests(4, 500);
    FakeDevice device = new FakeDevice(300);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new MemoryBackoff().run(reqs, 2000, b -> device.forward(reqs, b)));
    assertTrue(e.getMessage().startsWith("out of memory on a single sequence of 500 tokens"));
    assertTrue(e.getMessage().contains("--dtype f16"), e.getMessage());
  }

  @Test
  void otherErrorsPassThroughUntouched() {
    List<ScoreRequest> reqs = requests(4, 10);
    IllegalStateException boom = new IllegalStateException("shape mismatch");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                new MemoryBackoff()
                    .run(
                        reqs,
                        100,
                        b -> {
                          throw boom;
                        }));
    assertSame(boom, thrown);
  }

  @Test
  void recognisesTheEnginesOutOfMemoryMessages() {
    assertTrue(MemoryBackoff.isOutOfMemory(new EngineException("CUDA out of memory. Tried to")));
    assertTrue(
        MemoryBackoff.isOutOfMemory(
            new RuntimeException("wrapped", new EngineException("CUBLAS_STATUS_ALLOC_FAILED"))));
    assertTrue(
        MemoryBackoff.isOutOfMemory(
            new EngineException(
                "[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not enough memory")));
    assertFalse(MemoryBackoff.isOutOfMemory(new EngineException("expected scalar type Float")));
    assertFalse(MemoryBackoff.isOutOfMemory(new RuntimeException((String) null)));
  }
}
