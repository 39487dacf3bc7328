package io.qpeft.spark;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.qpeft.data.CorpusReader;
import io.qpeft.data.QueryReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Corpus and query tables for a TREC run, read by Spark's own data sources so that a corpus far
 * larger than one JVM's heap is only ever joined, never loaded: JSON lines (a BEIR {@code
 * corpus.jsonl}/{@code queries.jsonl}, a BEIR dataset folder, a folder of JSONL parts, gzip
 * allowed) or Parquet (a {@code .parquet} file or a folder of them). Columns are found under the
 * names {@code qpeft rerank} accepts: ids in {@code _id} (or {@code id}, {@code docid}, ...),
 * passage text in {@code text} (or {@code contents}, {@code body}), an optional {@code title}.
 */
final class Tables {
  private Tables() {}

  /** Columns {@code docid, title, text} (title "" when absent); rows without an id are dropped. */
  static Dataset<Row> corpus(SparkSession spark, String path, boolean failFast) {
    String file = resolve(spark, path, "corpus.jsonl", "--corpus");
    Dataset<Row> raw =
        read(spark, file, CorpusReader.ID_FIELDS, CorpusReader.TEXT_FIELDS, true, failFast);
    return raw.select(
            first(raw, CorpusReader.ID_FIELDS, "--corpus", file).as("docid"),
            has(raw, "title")
                ? coalesce(col("title").cast("string"), lit("")).as("title")
                : lit("").as("title"),
            first(raw, CorpusReader.TEXT_FIELDS, "--corpus", file).as("text"))
        .where(col("docid").isNotNull());
  }

  /** Columns {@code qid, query}; rows without an id are dropped. */
  static Dataset<Row> queries(SparkSession spark, String path, boolean failFast) {
    String file = resolve(spark, path, "queries.jsonl", "--queries");
    Dataset<Row> raw =
        read(spark, file, QueryReader.QID_FIELDS, QueryReader.QUERY_TEXT_FIELDS, false, failFast);
    return raw.select(
            first(raw, QueryReader.QID_FIELDS, "--queries", file).as("qid"),
            first(raw, QueryReader.QUERY_TEXT_FIELDS, "--queries", file).as("query"))
        .where(col("qid").isNotNull());
  }

  private static Dataset<Row> read(
      SparkSession spark,
      String file,
      List<String> idFields,
      List<String> textFields,
      boolean title,
      boolean failFast) {
    if (isParquet(spark, file)) return spark.read().parquet(file);
    String lower = file.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".tsv") || lower.endsWith(".tsv.gz")) {
      throw new UnsupportedOperationException(
          file + ": the Spark job reads JSON lines (BEIR) or Parquet tables, not TSV");
    }
    // an explicit schema: no inference pass over a large corpus, and other fields are not parsed
    List<String> fields = new ArrayList<>(idFields);
    fields.addAll(textFields);
    if (title) fields.add("title");
    String schema = String.join(", ", fields.stream().map(f -> "`" + f + "` STRING").toList());
    return spark
        .read()
        .schema(schema)
        .option("mode", failFast ? "FAILFAST" : "DROPMALFORMED")
        .json(file);
  }

  /** The first of {@code names} the table has, as a string column (the others are fallbacks). */
  private static Column first(Dataset<Row> table, List<String> names, String option, String file) {
    List<Column> present = new ArrayList<>();
    for (String n : names) if (has(table, n)) present.add(col("`" + n + "`").cast("string"));
    if (present.isEmpty()) {
      throw new IllegalArgumentException(
          option
              + " "
              + file
              + " has none of the columns "
              + names
              + "; it has "
              + Arrays.toString(table.columns()));
    }
    return coalesce(present.toArray(new Column[0]));
  }

  private static boolean has(Dataset<Row> table, String column) {
    return Arrays.asList(table.columns()).contains(column);
  }

  /** A BEIR dataset folder means its {@code corpus.jsonl}/{@code queries.jsonl}. */
  private static String resolve(SparkSession spark, String path, String beirFile, String option) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p) && !path.contains("*")) {
        throw new IllegalArgumentException(option + " " + path + " does not exist");
      }
      if (fs.isDirectory(p)) {
        for (String name : new String[] {beirFile, beirFile + ".gz"}) {
          Path f = new Path(p, name);
          if (fs.exists(f)) return f.toString();
        }
      }
      return path;
    } catch (IOException e) {
      throw new UncheckedIOException(option + " " + path + ": " + e.getMessage(), e);
    }
  }

  /** A {@code .parquet} file, or a folder whose data files are Parquet. */
  private static boolean isParquet(SparkSession spark, String file) {
    if (file.toLowerCase(Locale.ROOT).endsWith(".parquet")) return true;
    try {
      Path p = new Path(file);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p) || !fs.isDirectory(p)) return false;
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (!name.startsWith("_") && !name.startsWith(".")) {
          return name.toLowerCase(Locale.ROOT).endsWith(".parquet");
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }
}
