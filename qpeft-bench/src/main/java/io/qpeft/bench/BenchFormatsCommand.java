package io.qpeft.bench;

import io.qpeft.cli.Cli;
import io.qpeft.data.CorpusReader;
import io.qpeft.data.Passage;
import io.qpeft.data.PassageStore;
import io.qpeft.data.RecordReader;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code qpeft-bench bench-formats}: generates a DPR-style passage TSV and measures (1) a
 * sequential scan with {@link CorpusReader}, the reference, (2) building the offset index, (3)
 * random lookups by id through {@link PassageStore}, with the heap in use sampled during the scan
 * and the lookups, to show that neither holds the collection in memory.
 */
@Command(
    name = "bench-formats",
    mixinStandardHelpOptions = true,
    description =
        "Benchmark passage TSV reading: sequential scan vs indexed random lookups, and memory.")
public final class BenchFormatsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--lines",
      defaultValue = "1000000",
      description = "Passages to generate (default: ${DEFAULT-VALUE}).")
  int lines;

  @Option(
      names = "--text-bytes",
      defaultValue = "300",
      description = "Approximate text length (default: ${DEFAULT-VALUE}).")
  int textBytes;

  @Option(
      names = "--lookups",
      defaultValue = "200000",
      description = "Random lookups to time (default: ${DEFAULT-VALUE}).")
  int lookups;

  @Option(
      names = "--dir",
      description = "Folder for the generated file (default: a temporary folder, deleted after).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    return Cli.run(spec, this::bench);
  }

  private int bench() throws Exception {
    Cli.requirePositive("--lines", lines);
    Cli.requirePositive("--text-bytes", textBytes);
    Cli.requirePositive("--lookups", lookups);
    PrintWriter out = spec.commandLine().getOut();
    boolean temp = dir == null;
    Path folder = temp ? Files.createTempDirectory("qpeft-bench") : Files.createDirectories(dir);
    Path tsv = folder.resolve("bench-psgs.tsv");
    Path sidecar = folder.resolve("bench-psgs.tsv.qpeft-idx");
    try {
      generate(tsv);
      Files.deleteIfExists(sidecar);
      MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
      out.printf(Locale.ROOT, "collection: %,d passages, %.1f MB%n", lines, Files.size(tsv) / 1e6);

      System.gc();
      long baseHeap = mem.getHeapMemoryUsage().getUsed();
      long peak = 0;
      long t0 = System.nanoTime();
      long chars = 0;
      try (RecordReader<Passage> r = CorpusReader.open(tsv)) {
        for (long n = 0; r.hasNext(); n++) {
          chars += r.next().text().length();
          if (n % 50_000 == 0) peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed());
        }
      }
      double scanSec = (System.nanoTime() - t0) / 1e9;
      double scanRate = lines / scanSec;
      out.printf(
          Locale.ROOT,
          "sequential scan: %.2f s, %,.0f passages/s, peak heap %.1f MB (%.1f MB at start)%n",
          scanSec,
          scanRate,
          peak / 1e6,
          baseHeap / 1e6);

      t0 = System.nanoTime();
      try (PassageStore store = PassageStore.open(tsv)) {
        double buildSec = (System.nanoTime() - t0) / 1e9;
        out.printf(
            Locale.ROOT,
            "index build: %.2f s (%.2fx the scan time), sidecar %.1f MB%n",
            buildSec,
            buildSec / scanSec,
            Files.size(sidecar) / 1e6);
        System.gc();
        Random rnd = new Random(42);
        long peakLookup = 0;
        int found = 0;
        t0 = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
          if (store.get(Integer.toString(1 + rnd.nextInt(lines))) != null) found++;
          if (i % 20_000 == 0)
            peakLookup = Math.max(peakLookup, mem.getHeapMemoryUsage().getUsed());
        }
        double lookSec = (System.nanoTime() - t0) / 1e9;
        double lookRate = lookups / lookSec;
        out.printf(
            Locale.ROOT,
            "random lookups: %,d in %.2f s, %,.0f lookups/s (%.2fx the scan rate), %d found, peak heap %.1f MB%n",
            lookups,
            lookSec,
            lookRate,
            lookRate / scanRate,
            found,
            peakLookup / 1e6);
      }
      if (chars < 0) out.println(); // keeps the scan from being optimised away
      out.flush();
      return 0;
    } finally {
      if (temp) {
        Files.deleteIfExists(sidecar);
        Files.deleteIfExists(tsv);
        Files.deleteIfExists(folder);
      }
    }
  }

  private void generate(Path tsv) throws Exception {
    SplittableRandom rnd = new SplittableRandom(1);
    // what DPR's psgs_w100.tsv holds: capitals, digits, accents, and quotes that TSV doubles
    SyntheticCorpus corpus =
        SyntheticCorpus.of(
            List.of(
                "the",
                "river",
                "Aaron",
                "prophet",
                "1987",
                "café",
                "army",
                "\"quoted\"",
                "of",
                "history"),
            0);
    try (BufferedWriter w = Files.newBufferedWriter(tsv)) {
      w.write("id\ttext\ttitle\n");
      StringBuilder sb = new StringBuilder();
      for (int i = 1; i <= lines; i++) {
        sb.setLength(0);
        while (sb.length() < textBytes) sb.append(corpus.nextWord(rnd)).append(' ');
        String text = sb.toString().strip();
        w.write(i + "\t\"" + text.replace("\"", "\"\"") + "\"\tTitle " + i + "\n");
      }
    }
  }
}
