package io.qpeft.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;

import io.qpeft.data.BadRecordException;
import io.qpeft.data.Candidate;
import io.qpeft.data.Candidates;
import io.qpeft.data.CandidatesRecord;
import io.qpeft.data.ErrorPolicy;
import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.data.RunEntry;
import io.qpeft.data.TrecRun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A TREC run joined with its corpus (by docid) and queries (by qid) in Spark: one row per query
 * with its candidates' texts, in the shape {@link PartitionScorer} scores. Each query keeps its
 * {@code depth} best run lines (score descending, ties in file order, as {@code qpeft rerank}); the
 * cut happens before the join so that only kept passages are looked up. A query whose id is not in
 * the queries, or with a kept document that is not in the corpus, is a bad record (named by the run
 * file and the query's first line), as are malformed run lines; bad rows come first in their
 * partition so that {@code --on-error fail} fails before any scoring.
 */
final class TrecCandidates {
  private TrecCandidates() {}

  private static final StructType RUN =
      new StructType()
          .add("qid", DataTypes.StringType)
          .add("docid", DataTypes.StringType)
          .add("score", DataTypes.DoubleType)
          .add("source", DataTypes.StringType, false)
          .add("line", DataTypes.LongType, false)
          .add("ordinal", DataTypes.LongType, false)
          .add("error", DataTypes.StringType);

  /** Run lines as rows; a malformed line keeps its problem in {@code error} and has no qid. */
  static Dataset<Row> runRows(SparkSession spark, JavaRDD<Line> lines) {
    JavaRDD<Row> rows =
        lines.map(
            l -> {
              try {
                RunEntry e = TrecRun.parse(l.text(), l.source(), l.number());
                return RowFactory.create(
                    e.qid(), e.docid(), e.score(), l.source(), l.number(), l.ordinal(), null);
              } catch (BadRecordException e) {
                return RowFactory.create(
                    null, null, null, l.source(), l.number(), l.ordinal(), problem(e));
              }
            });
    return spark.createDataFrame(rows, RUN);
  }

  /** One row per query (and one for all malformed lines), bad rows first in each partition. */
  static Dataset<Row> join(Dataset<Row> run, Dataset<Row> corpus, Dataset<Row> queries, int depth) {
    Dataset<Row> kept = run;
    if (depth > 0) {
      kept =
          run.withColumn(
                  "rank",
                  row_number()
                      .over(
                          Window.partitionBy("qid")
                              .orderBy(col("score").desc(), col("ordinal").asc())))
              .where(col("error").isNotNull().or(col("rank").leq(depth)))
              .drop("rank");
    }
    Dataset<Row> c = corpus.withColumnRenamed("docid", "c_docid");
    Dataset<Row> withText =
        kept.join(c, kept.col("docid").equalTo(c.col("c_docid")), "left")
            .withColumn("found", col("c_docid").isNotNull())
            .drop("c_docid");
    Dataset<Row> grouped =
        withText
            .groupBy("qid")
            .agg(
                min("ordinal").as("ordinal"),
                collect_list(
                        struct(
                            "ordinal", "line", "source", "docid", "score", "title", "text", "found",
                            "error"))
                    .as("cands"));
    Dataset<Row> q =
        queries
            .groupBy(col("qid").as("q_qid"))
            .agg(first("query").as("query"), count(lit(1)).as("qcount"));
    return grouped
        .join(q, grouped.col("qid").equalTo(q.col("q_qid")), "left")
        .drop("q_qid")
        .withColumn(
            "bad",
            expr(
                "qid IS NULL OR query IS NULL OR qcount > 1"
                    + " OR exists(cands, c -> NOT c.found)"))
        .sortWithinPartitions(col("bad").desc(), col("ordinal").asc());
  }

  /** A joined row as the candidates of one query, or null after reporting it as bad. */
  static CandidatesRecord toRecord(Row row, ErrorPolicy policy, String queriesName) {
    String qid = row.getAs("qid");
    List<Row> cands = new ArrayList<>(row.<Row>getList(row.fieldIndex("cands")));
    cands.sort(Comparator.comparingLong(r -> r.<Long>getAs("ordinal")));
    if (qid == null) { // the malformed run lines
      for (Row r : cands) {
        policy.badRecord(
            new BadRecordException(r.getAs("source"), r.<Long>getAs("line"), r.getAs("error")));
      }
      return null;
    }
    Row first = cands.get(0);
    String source = first.getAs("source");
    long line = first.<Long>getAs("line");
    String text = row.getAs("query");
    if (text == null) {
      return bad(policy, source, line, "query " + qid + " is not in " + queriesName);
    }
    long copies = row.<Long>getAs("qcount");
    if (copies > 1) {
      return bad(
          policy,
          source,
          line,
          "query id " + qid + " appears " + copies + " times in " + queriesName);
    }
    // score descending, ties in file order (the sort is stable)
    cands.sort(Comparator.comparingDouble((Row r) -> r.<Double>getAs("score")).reversed());
    List<Candidate> out = new ArrayList<>(cands.size());
    for (Row r : cands) {
      String docid = r.getAs("docid");
      if (!r.<Boolean>getAs("found")) {
        return bad(policy, source, line, "document " + docid + " is not in the collection");
      }
      out.add(
          new Candidate(
              new Passage(docid, r.getAs("title"), r.getAs("text")), r.<Double>getAs("score")));
    }
    return new CandidatesRecord(new Candidates(new Query(qid, text), out), List.of(), null, line);
  }

  private static CandidatesRecord bad(
      ErrorPolicy policy, String source, long line, String problem) {
    policy.badRecord(new BadRecordException(source, line, problem));
    return null;
  }

  /** The problem part of a {@code FILE:LINE: problem} message. */
  static String problem(BadRecordException e) {
    String prefix = e.source() + ":" + e.line() + ": ";
    String m = e.getMessage();
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }
}
