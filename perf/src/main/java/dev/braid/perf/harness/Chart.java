package dev.braid.perf.harness;

import dev.braid.perf.harness.HarnessConfig.Size;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The PNG chart: for each data set, one horizontal bar per throughput row, the Braid/RocksDB ratio
 * of the medians on a log scale around 1 (right of the line: Braid faster), coloured green when the
 * row's goal (or, without one, 1) is met, amber when Braid is faster but short of its goal, red when
 * it is slower; a black tick marks each goal. Drawn with {@link BufferedImage} and {@link ImageIO},
 * headless.
 */
final class Chart {
    private static final int WIDTH = 1100;
    private static final int LABEL_WIDTH = 360;
    private static final int PLOT_LEFT = LABEL_WIDTH + 10;
    private static final int PLOT_RIGHT = WIDTH - 60;
    private static final int ROW_HEIGHT = 22;
    private static final int PANEL_HEAD = 46;
    private static final Color GREEN = new Color(0x2E7D32);
    private static final Color AMBER = new Color(0xE0A100);
    private static final Color RED = new Color(0xC62828);

    private Chart() {
    }

    /** The rows the chart shows for {@code size}: throughput rows with both medians. */
    static List<Row> rows(Results results, Size size) {
        List<Row> out = new ArrayList<>();
        for (Row row : results.rows(size)) {
            if (row.higherIsBetter && !Double.isNaN(results.ratio(size, row))) {
                out.add(row);
            }
        }
        return out;
    }

    static void write(Results results, int rounds, Path file) {
        double lo = 0.1;
        double hi = 10;
        int height = 60;
        for (Size size : results.sizes()) {
            for (Row row : rows(results, size)) {
                double r = results.ratio(size, row);
                while (r < lo * 1.2 && lo > 1e-4) {
                    lo /= 10;
                }
                while (r > hi / 1.2 && hi < 1e4) {
                    hi *= 10;
                }
            }
            height += PANEL_HEAD + ROW_HEIGHT * rows(results, size).size() + 20;
        }
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        text(g, "Braid / RocksDB throughput, medians of " + rounds + " round(s); right of 1 = Braid faster;"
                + " black ticks = goals", 10, 22, Font.BOLD, 15);
        text(g, "green: goal met (or faster, without a goal)   amber: faster, short of the goal   red: slower",
                10, 42, Font.PLAIN, 12);
        int y = 60;
        for (Size size : results.sizes()) {
            y = panel(g, results, size, y, lo, hi);
        }
        g.dispose();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IOException("no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static int panel(Graphics2D g, Results results, Size size, int top, double lo, double hi) {
        List<Row> rows = rows(results, size);
        g.setColor(Color.BLACK);
        text(g, size.label(), 10, top + 20, Font.BOLD, 13);
        int plotTop = top + PANEL_HEAD - 14;
        int plotBottom = plotTop + ROW_HEIGHT * rows.size();
        for (double t = lo; t <= hi * 1.001; t *= 10) {
            for (double m : new double[] {1, 2, 5}) {
                double v = t * m;
                if (v > hi * 1.001) {
                    break;
                }
                int x = x(v, lo, hi);
                g.setColor(v == 1 ? Color.BLACK : new Color(0xDDDDDD));
                g.setStroke(new BasicStroke(v == 1 ? 2f : 1f));
                g.drawLine(x, plotTop, x, plotBottom);
                g.setColor(Color.DARK_GRAY);
                text(g, tick(v), x - 8, plotTop - 2, Font.PLAIN, 10);
            }
        }
        int y = plotTop;
        for (Row row : rows) {
            double ratio = results.ratio(size, row);
            Boolean met = results.goalMet(size, row);
            Color c = ratio < 1 ? RED : (met == null || met) ? GREEN : AMBER;
            int x1 = x(1, lo, hi);
            int x2 = x(Math.max(lo, Math.min(hi, ratio)), lo, hi);
            g.setColor(c);
            g.fillRect(Math.min(x1, x2), y + 4, Math.max(2, Math.abs(x2 - x1)), ROW_HEIGHT - 8);
            g.setColor(Color.BLACK);
            text(g, row.fullLabel(), 10, y + ROW_HEIGHT - 7, Font.PLAIN, 12);
            text(g, String.format(Locale.ROOT, "%.2f", ratio), ratio >= 1 ? x2 + 4 : x2 - 34, y + ROW_HEIGHT - 7,
                    Font.PLAIN, 11);
            if (row.goal.kind() == Row.Goal.Kind.RATIO_AT_LEAST) {
                int gx = x(row.goal.bound(), lo, hi);
                g.setStroke(new BasicStroke(3f));
                g.drawLine(gx, y + 1, gx, y + ROW_HEIGHT - 1);
            }
            y += ROW_HEIGHT;
        }
        return plotBottom + 20;
    }

    private static int x(double v, double lo, double hi) {
        double f = (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
        return PLOT_LEFT + (int) Math.round(f * (PLOT_RIGHT - PLOT_LEFT));
    }

    private static String tick(double v) {
        return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", (float) v);
    }

    /** Text, if this JVM can render fonts at all (a font-less headless JDK still gets its bars). */
    private static void text(Graphics2D g, String s, int x, int y, int style, int size) {
        try {
            g.setFont(new Font(Font.SANS_SERIF, style, size));
            g.drawString(s, x, y);
        } catch (RuntimeException | LinkageError e) {
            // no font configuration: leave the text out
        }
    }
}
