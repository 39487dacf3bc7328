package io.qpeft.report;

import io.qpeft.train.EpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The figures qpeft draws, with JFreeChart:
 *
 * <ul>
 *   <li>{@link #hitRecall}: Hit@k and Recall@k against k = 1..depth, one line per run, two panels
 *       side by side, as the Q-PEFT paper plots its rerankers (arXiv 2404.04522, figures of top-k
 *       accuracy);
 *   <li>{@link #loss}: train and dev loss per epoch of a Q-PEFT training run.
 * </ul>
 */
public final class Figures {
  /** Tableau's ten colours (matplotlib's default cycle), so figures look like the papers'. */
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f),
    new Color(0xbcbd22),
    new Color(0x17becf)
  };

  private Figures() {}

  /**
   * Hit@k (left) and Recall@k (right) for k = 1..n, where {@code hit.get(run)[k - 1]} is the run's
   * Hit@k. Both maps list the runs in the same order; NaN values (undefined) are left out.
   */
  public static Figure hitRecall(Map<String, double[]> hit, Map<String, double[]> recall) {
    return new Figure(
        List.of(
            panel("Hit@k", "k (top-k reranked passages)", "Hit@k", curves(hit), true),
            panel("Recall@k", "k (top-k reranked passages)", "Recall@k", curves(recall), true)),
        640,
        480);
  }

  /** Train and dev loss per epoch (dev only where there was a dev set). */
  public static Figure loss(List<EpochMetrics> history) {
    XYSeries train = new XYSeries("train loss");
    XYSeries dev = new XYSeries("dev loss");
    for (EpochMetrics m : history) {
      if (!Double.isNaN(m.trainLoss())) train.add(m.epoch(), m.trainLoss()); // epoch 0: untrained
      if (!Double.isNaN(m.devLoss())) dev.add(m.epoch(), m.devLoss());
    }
    XYSeriesCollection data = new XYSeriesCollection(train);
    if (dev.getItemCount() > 0) data.addSeries(dev);
    return new Figure(List.of(panel("Training loss", "epoch", "loss", data, false)), 640, 480);
  }

  private static XYSeriesCollection curves(Map<String, double[]> byRun) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, double[]> run : byRun.entrySet()) {
      XYSeries s = new XYSeries(run.getKey(), false, false); // runs may share a name's prefix
      double[] v = run.getValue();
      for (int k = 1; k <= v.length; k++) if (!Double.isNaN(v[k - 1])) s.add(k, v[k - 1]);
      data.addSeries(s);
    }
    return data;
  }

  private static JFreeChart panel(
      String title, String xLabel, String yLabel, XYSeriesCollection data, boolean unitRange) {
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    LegendTitle legend = chart.getLegend();
    legend.setPosition(RectangleEdge.BOTTOM);
    legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    plot.setOutlinePaint(Color.GRAY);
    NumberAxis x = (NumberAxis) plot.getDomainAxis();
    x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    x.setAutoRangeIncludesZero(false);
    NumberAxis y = (NumberAxis) plot.getRangeAxis();
    if (unitRange) {
      y.setRange(0, 1.02);
      y.setTickUnit(new NumberTickUnit(0.1));
    } else y.setAutoRangeIncludesZero(false);
    int maxPoints = 0;
    for (int s = 0; s < data.getSeriesCount(); s++)
      maxPoints = Math.max(maxPoints, data.getItemCount(s));
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, maxPoints <= 25);
    for (int s = 0; s < data.getSeriesCount(); s++) {
      r.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
      r.setSeriesStroke(s, new BasicStroke(2f));
      r.setSeriesShape(s, new Ellipse2D.Double(-3, -3, 6, 6));
    }
    plot.setRenderer(r);
    return chart;
  }
}
