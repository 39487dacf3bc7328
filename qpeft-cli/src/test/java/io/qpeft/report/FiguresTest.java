package io.qpeft.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.qpeft.train.EpochMetrics;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.data.xy.XYSeriesCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FiguresTest {
  @TempDir Path dir;

  static XYSeriesCollection data(Figure f, int panel) {
    return (XYSeriesCollection) f.panels().get(panel).getXYPlot().getDataset();
  }

  @Test
  void hitRecallHoldsOneSeriesPerRunInBothPanels() throws Exception {
    Map<String, double[]> hit = new LinkedHashMap<>();
    hit.put("bm25", new double[] {0.2, 0.5, 0.6});
    hit.put("upr", new double[] {0.4, 0.6, 0.6});
    Map<String, double[]> recall = new LinkedHashMap<>();
    recall.put("bm25", new double[] {0.1, Double.NaN, 0.5});
    recall.put("upr", new double[] {0.3, 0.5, 0.5});
    Figure f = Figures.hitRecall(hit, recall);
    assertEquals(2, f.panels().size());
    assertEquals("Hit@k", f.panels().get(0).getTitle().getText());
    XYSeriesCollection h = data(f, 0);
    assertEquals(List.of("bm25", "upr"), List.of(h.getSeriesKey(0), h.getSeriesKey(1)));
    assertEquals(3, h.getItemCount(1));
    assertEquals(2.0, h.getXValue(1, 1)); // k = 2
    assertEquals(0.6, h.getYValue(1, 1));
    XYSeriesCollection r = data(f, 1);
    assertEquals(2, r.getItemCount(0)); // the undefined Recall@2 is left out
    assertEquals(0.5, r.getYValue(0, 1));

    Path png = dir.resolve("fig.png");
    Path svg = dir.resolve("fig.svg");
    f.write(png);
    f.write(svg);
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(1280, image.getWidth());
    assertEquals(480, image.getHeight());
    String text = Files.readString(svg);
    assertTrue(text.contains("<svg"), text.substring(0, 40));
    for (String s : List.of("Hit@k", "Recall@k", "bm25", "upr")) assertTrue(text.contains(s), s);
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "no temporary files left");
    }
  }

  @Test
  void lossHasTrainAndDevCurves() throws Exception {
    Figure f =
        Figures.loss(
            List.of(
                new EpochMetrics(0, 0, Double.NaN, 3.9, 0.0, true, 1),
                new EpochMetrics(1, 10, 3.0, 3.5, 0.03, true, 1),
                new EpochMetrics(2, 20, 2.5, 3.1, 0.03, true, 1),
                new EpochMetrics(3, 30, 2.2, 3.2, 0.03, false, 1)));
    XYSeriesCollection d = data(f, 0);
    assertEquals(2, d.getSeriesCount());
    assertEquals("train loss", d.getSeriesKey(0));
    assertEquals(3, d.getItemCount(0)); // no train loss at epoch 0
    assertEquals(4, d.getItemCount(1));
    assertEquals(3.9, d.getYValue(1, 0));
    assertEquals(3.1, d.getYValue(1, 2));
    Figure trainOnly =
        Figures.loss(List.of(new EpochMetrics(1, 10, 3.0, Double.NaN, 0.03, true, 1)));
    assertEquals(1, data(trainOnly, 0).getSeriesCount());
    Path png = dir.resolve("loss.png");
    f.write(png);
    assertEquals(640, ImageIO.read(png.toFile()).getWidth());
  }

  @Test
  void unsupportedFormatsAreNamed() {
    UnsupportedOperationException e =
        assertThrows(UnsupportedOperationException.class, () -> Figure.format(Path.of("f.jpg")));
    assertTrue(e.getMessage().contains("FILE.png or FILE.svg"), e.getMessage());
  }
}
