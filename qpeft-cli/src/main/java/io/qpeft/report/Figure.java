package io.qpeft.report;

import io.qpeft.data.AtomicOutput;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;

/**
 * One or more JFreeChart panels drawn side by side into one PNG or SVG file (chosen by the file's
 * extension), written atomically. Drawing needs no display: AWT runs headless.
 */
public final class Figure {
  private final List<JFreeChart> panels;
  private final int panelWidth;
  private final int height;

  public Figure(List<JFreeChart> panels, int panelWidth, int height) {
    if (panels.isEmpty()) throw new IllegalArgumentException("a figure needs at least one panel");
    this.panels = List.copyOf(panels);
    this.panelWidth = panelWidth;
    this.height = height;
  }

  /** The panels, left to right (their datasets hold the plotted series). */
  public List<JFreeChart> panels() {
    return panels;
  }

  /** The format of {@code file}: {@code png} or {@code svg}, from its extension. */
  public static String format(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".png")) return "png";
    if (name.endsWith(".svg")) return "svg";
    throw new UnsupportedOperationException(
        "figure " + file + ": unsupported format; name it FILE.png or FILE.svg");
  }

  /** Draws the figure into {@code file} (.png or .svg), replacing it atomically. */
  public void write(Path file) {
    String format = format(file);
    System.setProperty("java.awt.headless", "true");
    int width = panelWidth * panels.size();
    if (format.equals("svg")) {
      SVGGraphics2D g = new SVGGraphics2D(width, height);
      draw(g);
      try (AtomicOutput out = new AtomicOutput(file)) {
        out.write(g.getSVGDocument());
        out.commit();
      }
      return;
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      draw(g);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + file, e);
    }
    AtomicOutput.writeBytes(file, bytes.toByteArray());
  }

  private void draw(Graphics2D g) {
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, panelWidth * panels.size(), height);
    for (int i = 0; i < panels.size(); i++) {
      panels.get(i).draw(g, new Rectangle2D.Double(i * panelWidth, 0, panelWidth, height));
    }
  }
}
