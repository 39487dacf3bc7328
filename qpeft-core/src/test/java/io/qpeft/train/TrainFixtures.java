package io.qpeft.train;

import io.qpeft.data.Passage;
import io.qpeft.data.Query;
import io.qpeft.peft.Rng;
import java.util.ArrayList;
import java.util.List;

/** Small seeded in-memory training sets for tests. */
final class TrainFixtures {
  private TrainFixtures() {}

  static final String[] WORDS = {
    "river",
    "mountain",
    "city",
    "music",
    "planet",
    "ocean",
    "forest",
    "garden",
    "engine",
    "bridge",
    "castle",
    "winter",
    "summer",
    "market",
    "letter",
    "silver",
    "school",
    "window"
  };

  /** {@code n} queries; each positive shares two words with its query, the hard negative none. */
  static List<TrainingExample> examples(int n, long seed) {
    Rng rng = new Rng(seed);
    List<TrainingExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String a = WORDS[rng.nextInt(WORDS.length)];
      String b = WORDS[rng.nextInt(WORDS.length)];
      String c = WORDS[rng.nextInt(WORDS.length)];
      Query q = new Query("q" + i, a + " " + b);
      Passage pos = new Passage("p" + i, "title " + i, "the " + a + " near the " + b + " and " + c);
      Passage neg =
          new Passage("n" + i, "", "a " + c + " by the " + WORDS[rng.nextInt(WORDS.length)]);
      out.add(new TrainingExample(q, List.of(pos), List.of(neg)));
    }
    return out;
  }
}
