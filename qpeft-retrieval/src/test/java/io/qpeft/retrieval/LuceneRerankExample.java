package io.qpeft.retrieval;

import io.qpeft.rerank.Reranker;
import io.qpeft.rerank.UprReranker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

/** The README's example: BM25 top-100 from a Lucene index, the LLM reranks them, top 10 kept. */
public class LuceneRerankExample {
  public static void main(String[] args) throws Exception {
    // args: a model folder, an index built by `qpeft index`, a query
    for (String line : rerank(Path.of(args[0]), Path.of(args[1]), args[2])) {
      System.out.println(line);
    }
  }

  static List<String> rerank(Path model, Path index, String query) throws Exception {
    List<String> out = new ArrayList<>();
    try (Reranker reranker = UprReranker.open(model);
        DirectoryReader reader = DirectoryReader.open(FSDirectory.open(index))) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(new BM25Similarity(0.9f, 0.4f));
      QueryParser parser = new QueryParser("contents", new EnglishAnalyzer());
      TopDocs bm25 = searcher.search(parser.parse(QueryParser.escape(query)), 100);
      TopDocs reranked =
          LlmRescorer.builder()
              .setReranker(reranker)
              .setQuery(query)
              .build()
              .rescore(searcher, bm25, 10);
      for (ScoreDoc hit : reranked.scoreDocs) {
        String docid = searcher.storedFields().document(hit.doc).get("docid");
        out.add(docid + " " + hit.score);
      }
    }
    return out;
  }
}
