package io.qpeft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RerankJournalTest {
  @TempDir Path tmp;

  static ObjectNode settings(String model) {
    return new ObjectMapper().createObjectNode().put("model", model).put("top_k", 100);
  }

  @Test
  void scoresSurviveReopeningBitForBitAndATornLineIsCutOff() throws IOException {
    Path file = RerankJournal.nextTo(tmp.resolve("run.trec"));
    assertEquals(tmp.resolve("run.trec.partial"), file);
    Random rnd = new Random(42);
    double[] a = rnd.doubles(100, -20, 0).toArray();
    double[] b = {-1e-300, -0.1 - 0.2, Double.MIN_VALUE, -123456.789e10};
    try (RerankJournal j = RerankJournal.open(file, settings("m"))) {
      j.add(0, "q1", a);
      j.add(1, "q2", b);
    }
    Files.writeString(
        file, Files.readString(file) + "{\"i\":2,\"qid\":\"q3\",\"sco"); // crash mid-line
    try (RerankJournal j = RerankJournal.open(file, settings("m"))) {
      assertEquals(2, j.size());
      assertArrayEquals(a, j.done(0, "q1", 100).scores());
      assertArrayEquals(b, j.done(1, "q2", 4).scores());
      assertNull(j.done(2, "q3", 5));
      j.add(2, "q3", new double[] {1, 2});
    }
    assertEquals(4, Files.readAllLines(file).size());
    try (RerankJournal j = RerankJournal.open(file, settings("m"))) {
      assertEquals(3, j.size());
      j.finish();
    }
    assertTrue(Files.notExists(file));
  }

  @Test
  void otherSettingsOrAChangedInputAreRefused() throws IOException {
    Path file = tmp.resolve("out.partial");
    try (RerankJournal j = RerankJournal.open(file, settings("m"))) {
      j.add(0, "q1", new double[] {1, 2, 3});
    }
    IllegalArgumentException settings =
        assertThrows(
            IllegalArgumentException.class, () -> RerankJournal.open(file, settings("other")));
    assertTrue(
        settings.getMessage().contains("other settings (model \"m\" -> \"other\")"),
        settings.getMessage());
    try (RerankJournal j = RerankJournal.open(file, settings("m"))) {
      IllegalArgumentException changed =
          assertThrows(IllegalArgumentException.class, () -> j.done(0, "q9", 3));
      assertTrue(changed.getMessage().contains("the input changed"), changed.getMessage());
    }
    Files.writeString(file, "qid Q0 doc 1 2.0 run\n");
    IllegalArgumentException foreign =
        assertThrows(IllegalArgumentException.class, () -> RerankJournal.open(file, settings("m")));
    assertTrue(foreign.getMessage().contains("not a qpeft rerank journal"), foreign.getMessage());
  }

  /** A journal with no scores yet (the run failed while loading) does not block other settings. */
  @Test
  void anEmptyJournalOfOtherSettingsStartsOver() throws IOException {
    Path file = RerankJournal.nextTo(tmp.resolve("empty.trec"));
    try (RerankJournal j = RerankJournal.open(file, settings("old"))) {
      assertEquals(0, j.size());
    }
    try (RerankJournal j = RerankJournal.open(file, settings("new"))) {
      assertEquals(0, j.size());
      j.add(0, "q1", new double[] {-1.5});
    }
    assertTrue(Files.readString(file).contains("\"new\""));
    assertThrows(IllegalArgumentException.class, () -> RerankJournal.open(file, settings("old")));
  }
}
