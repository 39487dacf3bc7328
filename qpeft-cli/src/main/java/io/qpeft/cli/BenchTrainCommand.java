package io.qpeft.cli;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.model.ModelConfig;
import io.qpeft.model.Models;
import io.qpeft.model.TransformerLm;
import io.qpeft.peft.BaseModel;
import io.qpeft.peft.PeftConfig;
import io.qpeft.peft.PeftModel;
import io.qpeft.peft.Rng;
import io.qpeft.peft.Variant;
import io.qpeft.tokenizer.TextTokenizer;
import io.qpeft.train.TrainConfig;
import io.qpeft.train.Trainer;
import io.qpeft.train.TrainingBatch;
import io.qpeft.train.TrainingExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code qpeft bench-train --task throughput}: training throughput (query-passage pairs per second,
 * forward + backward) of each variant on a GPT-2-small-shaped random model, with peak RSS.
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
    description = "Benchmark Q-PEFT training: throughput (pairs/s, forward + backward) and peak memory.")
public final class BenchTrainCommand implements Callable<Integer> {
  @Option(names = "--task", defaultValue = "throughput", description = "throughput (learnability: not implemented yet).") String task;
  @Option(names = "--tokenizer", required = true, description = "A model folder with a tokenizer.json (ids must fit the vocab).") Path tokenizerDir;
  @Option(names = "--layers", defaultValue = "12") int layers;
  @Option(names = "--hidden", defaultValue = "768") int hidden;
  @Option(names = "--heads", defaultValue = "12") int heads;
  @Option(names = "--vocab", defaultValue = "50257") int vocab;
  @Option(names = "--steps", defaultValue = "3") int steps;
  @Option(names = "--batch-queries", defaultValue = "2") int batchQueries;
  @Option(names = "--passage-words", defaultValue = "100") int passageWords;

  @Override
  public Integer call() {
    if (!task.equals("throughput")) {
      throw new UnsupportedOperationException("--task " + task + " is not implemented; supported: throughput");
    }
    ModelConfig c = new ModelConfig("gpt2", vocab, hidden, layers, heads, heads, hidden / heads, 4 * hidden, 1024,
        0, 1e-5, true, true, true, true, vocab - 1, vocab - 1);
    long t0 = System.nanoTime();
    try (TransformerLm lm = Models.random(c, 1); TextTokenizer tok = TextTokenizer.load(tokenizerDir)) {
      System.out.printf("model: gpt2-shaped random, %d layers, hidden %d, vocab %d (built in %.1f s)%n",
          layers, hidden, vocab, (System.nanoTime() - t0) / 1e9);
      System.out.println("| variant | pairs/step | pairs/s | s/step | trainable params |");
      System.out.println("|---|---|---|---|---|");
      double reference = 0;
      for (Variant v : new Variant[] {Variant.PROMPT, Variant.RETRIEVAL, Variant.ATTENTION}) {
        PeftConfig peft = PeftConfig.defaults(v);
        PeftModel pm = new PeftModel(lm, tok, peft, PeftModel.initialParameters(lm, tok, peft, 42));
        TrainConfig tc = TrainConfig.defaults().withBatch(batchQueries, 1);
        Trainer trainer = new Trainer(pm, BaseModel.of(c, null), tc, null, null);
        TrainingBatch batch = TrainingBatch.of(examples(batchQueries, passageWords), tc, null);
        Map<String, float[]> grads = new HashMap<>();
        for (String n : pm.parameters().trainableNames()) grads.put(n, new float[pm.parameters().get(n).data().length]);
        trainer.lossAndGradients(batch, new Rng(1), grads); // warm-up
        long s = System.nanoTime();
        for (int i = 0; i < steps; i++) trainer.lossAndGradients(batch, new Rng(i), grads);
        double sec = (System.nanoTime() - s) / 1e9 / steps;
        double pps = batch.size() / sec;
        if (reference == 0) reference = pps;
        System.out.printf("| %s | %d | %.2f (%.2fx prompt) | %.2f | %d |%n", v.id(), batch.size(), pps, pps / reference,
            sec, pm.parameters().trainableCount());
      }
    }
    System.out.println("peak RSS (VmHWM): " + vmHwm());
    return 0;
  }

  private static List<TrainingExample> examples(int n, int words) {
    String[] vocab = {"river", "mountain", "city", "music", "planet", "ocean", "forest", "garden", "engine", "bridge"};
    Rng rng = new Rng(3);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder pos = new StringBuilder();
      StringBuilder neg = new StringBuilder();
      for (int w = 0; w < words; w++) {
        pos.append(vocab[rng.nextInt(vocab.length)]).append(' ');
        neg.append(vocab[rng.nextInt(vocab.length)]).append(' ');
      }
      out.add(new TrainingExample(new Query("q" + i, "which " + vocab[i % vocab.length] + " is near the city"),
          List.of(new Passage("p" + i, pos.toString())), List.of(new Passage("n" + i, neg.toString()))));
    }
    return out;
  }

  static String vmHwm() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return line.substring(6).trim();
      }
    } catch (java.io.IOException e) {
      return "unavailable (" + e.getMessage() + ")";
    }
    return "unavailable";
  }
}
