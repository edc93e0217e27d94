package io.inrank.cli.experiment;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's chart style: white background, light grid, one colour per arm (the same in every plot), seeds as
 * line styles (solid, dashed, dotted), markers where a value was measured, a legend below the plot.
 */
final class Charts {
    private Charts() {}

    /** Arms in the order tables and legends list them; unknown arms (other α, other fixed ranks) follow. */
    static final List<String> ARM_ORDER =
            List.of("full", "cumulative", "efficient", "efficient-no-resize", "fixed", "fixed-128", "efficient-a0.8");

    private static final Color[] PALETTE = {
        new Color(0x222222), // full: black, the baseline
        new Color(0xD62728), // cumulative: red
        new Color(0x1F77B4), // efficient: blue
        new Color(0x17BECF), // efficient-no-resize: cyan
        new Color(0x2CA02C), // fixed: green
        new Color(0x8C564B), // fixed-128: brown
        new Color(0xFF7F0E), // efficient-a0.8: orange
        new Color(0x9467BD), // cumulative-orthogonal: purple
        new Color(0xE377C2),
        new Color(0x7F7F7F)
    };

    static int armIndex(String arm) {
        int i = ARM_ORDER.indexOf(arm);
        return i >= 0 ? i : ARM_ORDER.size() + Math.floorMod(arm.hashCode(), PALETTE.length - ARM_ORDER.size());
    }

    static Color color(String arm) {
        return PALETTE[armIndex(arm) % PALETTE.length];
    }

    /** Seed index 0, 1, 2, …: solid, dashed, dotted, dash-dot. */
    static Stroke stroke(int seedIndex, float width) {
        float[][] dashes = {null, {8f, 5f}, {2f, 4f}, {8f, 4f, 2f, 4f}};
        float[] d = dashes[seedIndex % dashes.length];
        return d == null
                ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                : new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, d, 0f);
    }

    static Shape marker(int seedIndex) {
        return seedIndex % 2 == 0 ? new Ellipse2D.Double(-3.5, -3.5, 7, 7) : new Rectangle2D.Double(-3, -3, 6, 6);
    }

    /** A line (and marker) renderer whose series i gets colour/stroke from {@code style}. */
    interface SeriesStyle {
        Color color(int series);

        int seedIndex(int series);

        boolean markers(int series);

        boolean lines(int series);
    }

    static JFreeChart lines(
            String title, String x, String y, XYSeriesCollection data, SeriesStyle style, boolean logY) {
        NumberAxis xAxis = new NumberAxis(x);
        xAxis.setAutoRangeIncludesZero(false);
        NumberAxis yAxis;
        if (logY) {
            LogAxis log = new LogAxis(y);
            log.setSmallestValue(1e-9);
            log.setNumberFormatOverride(new java.text.DecimalFormat("0"));
            log.setBase(10);
            log.setMinorTickMarksVisible(true);
            yAxis = null;
            XYPlot plot = new XYPlot(data, xAxis, log, renderer(data, style));
            return finish(title, plot);
        }
        yAxis = new NumberAxis(y);
        yAxis.setAutoRangeIncludesZero(false);
        return finish(title, new XYPlot(data, xAxis, yAxis, renderer(data, style)));
    }

    private static XYLineAndShapeRenderer renderer(XYSeriesCollection data, SeriesStyle style) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, style.color(i));
            r.setSeriesStroke(i, stroke(style.seedIndex(i), 2f));
            r.setSeriesShape(i, marker(style.seedIndex(i)));
            r.setSeriesShapesVisible(i, style.markers(i));
            r.setSeriesLinesVisible(i, style.lines(i));
        }
        r.setDrawSeriesLineAsPath(true);
        return r;
    }

    private static JFreeChart finish(String title, XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setOutlinePaint(new Color(0x999999));
        JFreeChart c = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        c.setBackgroundPaint(Color.WHITE);
        LegendTitle legend = c.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        return c;
    }

    static void integerTicks(JFreeChart c, double unit) {
        ((NumberAxis) c.getXYPlot().getRangeAxis()).setTickUnit(new NumberTickUnit(unit));
    }

    static void save(Path file, JFreeChart chart) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
    }
}
