package io.qpeft.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * Reads text files (a file, a folder of files or a glob, on any Hadoop file system, gzip allowed)
 * as {@link Line}s that know their file and line number, so that a bad record is reported as {@code
 * FILE:LINE: problem} exactly as {@code qpeft rerank} reports it. Hadoop splits a large file
 * between tasks at byte offsets, where line numbers are unknown; a first, cheap pass counts the
 * lines of every split, and the second pass numbers them from those counts.
 */
final class LineFiles {
  private LineFiles() {}

  /** The lines of one split: its file, where it starts, how many lines and non-blank lines. */
  private record SplitCount(int partition, String file, long start, long lines, long nonBlank)
      implements Serializable {}

  /** Where each partition's numbering starts. */
  private record Numbering(String[] files, long[] firstLine, long[] firstOrdinal)
      implements Serializable {}

  /**
   * The non-blank lines of {@code path}, one partition per input split, numbered; {@code option}
   * names the input in error messages.
   */
  static JavaRDD<Line> read(JavaSparkContext jsc, String path, String option) {
    @SuppressWarnings("unchecked")
    JavaNewHadoopRDD<LongWritable, Text> raw =
        (JavaNewHadoopRDD<LongWritable, Text>)
            jsc.newAPIHadoopFile(
                path,
                TextInputFormat.class,
                LongWritable.class,
                Text.class,
                jsc.hadoopConfiguration());
    jsc.setJobDescription("qpeft: count the lines of " + path);
    List<SplitCount> counts;
    try {
      counts = raw.mapPartitionsWithInputSplit(LineFiles::count, true).collect();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(option + " " + path + ": " + rootMessage(e), e);
    }
    Numbering numbering = number(counts, raw.getNumPartitions());
    return raw.mapPartitionsWithIndex(
        (partition, lines) -> numbered(numbering, partition, lines), true);
  }

  private static Iterator<SplitCount> count(
      org.apache.hadoop.mapreduce.InputSplit split, Iterator<Tuple2<LongWritable, Text>> lines) {
    FileSplit file = (FileSplit) split;
    long n = 0;
    long nonBlank = 0;
    while (lines.hasNext()) {
      n++;
      if (!lines.next()._2().toString().isBlank()) nonBlank++;
    }
    return List.of(
            new SplitCount(
                TaskContext.getPartitionId(),
                file.getPath().toString(),
                file.getStart(),
                n,
                nonBlank))
        .iterator();
  }

  /** Line numbers restart in each file; ordinals run over all files, in name then offset order. */
  private static Numbering number(List<SplitCount> counts, int partitions) {
    List<SplitCount> sorted = new ArrayList<>(counts);
    sorted.sort(
        Comparator.comparing(SplitCount::file)
            .thenComparingLong(SplitCount::start)
            .thenComparingInt(SplitCount::partition));
    String[] files = new String[partitions];
    long[] firstLine = new long[partitions];
    long[] firstOrdinal = new long[partitions];
    String file = null;
    long line = 1;
    long ordinal = 0;
    for (SplitCount c : sorted) {
      if (!c.file().equals(file)) {
        file = c.file();
        line = 1;
      }
      files[c.partition()] = c.file();
      firstLine[c.partition()] = line;
      firstOrdinal[c.partition()] = ordinal;
      line += c.lines();
      ordinal += c.nonBlank();
    }
    return new Numbering(files, firstLine, firstOrdinal);
  }

  private static Iterator<Line> numbered(
      Numbering numbering, int partition, Iterator<Tuple2<LongWritable, Text>> lines) {
    String file = numbering.files()[partition];
    return new Iterator<>() {
      long number = numbering.firstLine()[partition] - 1;
      long ordinal = numbering.firstOrdinal()[partition];
      Line next;

      @Override
      public boolean hasNext() {
        while (next == null && lines.hasNext()) {
          String text = lines.next()._2().toString(); // Hadoop reuses the Text: copy it now
          number++;
          if (number == 1 && text.startsWith("\uFEFF")) text = text.substring(1);
          if (!text.isBlank()) next = new Line(file, number, ordinal++, text);
        }
        return next != null;
      }

      @Override
      public Line next() {
        if (!hasNext()) throw new NoSuchElementException();
        Line out = next;
        next = null;
        return out;
      }
    };
  }

  /** The innermost message of a Spark/Hadoop failure (e.g. "Input path does not exist: ..."). */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
