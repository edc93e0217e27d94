package io.inrank.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's results: {@code results.md} (one row per arm, mean ± half-range over seeds) and PNG plots made
 * with JFreeChart. MLP and whole-model sizes are given apart, because the vocabulary dominates small GPTs.
 */
final class Report {
    private Report() {}

    /** MLP parameters: dense (no ranks), or the factors at the given ranks (fc1, fc2 per block); biases included. */
    static long mlpParams(GptConfig c, int[] ranks) {
        return GptModel.mlpParameterCount(shape(c, ranks), ranks);
    }

    /** Whole-model parameters with the MLPs at these ranks (none: dense). */
    static long totalParams(GptConfig c, int[] ranks) {
        return GptModel.parameterCount(shape(c, ranks), ranks);
    }

    private static GptConfig shape(GptConfig c, int[] ranks) {
        return c.withMode(ranks.length == 0 ? GptConfig.Mode.FULL : GptConfig.Mode.INRANK);
    }

    static void write(Path out, GptConfig cfg, String header, List<RunResult> runs, int tokensPerStep)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<RunResult>> byArm = new LinkedHashMap<>();
        for (RunResult r : runs)
            byArm.computeIfAbsent(r.arm().name(), k -> new ArrayList<>()).add(r);
        StringBuilder md = new StringBuilder("# InRank at CPU scale: results\n\n")
                .append(header)
                .append("\n\n");
        md.append(
                "| arm | seeds | val ppl (exp mean NLL) | val ppl (mean of batch ppl) | test ppl | test ppl (batch mean)"
                        + " | final ranks per layer | mean rank, % of d_model | MLP params (× smaller) | total params (× smaller)"
                        + " | served model.safetensors MiB | checkpoint MiB (with AdamW state) | train tokens/s (median step, 2nd half) | speed vs full"
                        + " | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        long denseMlp = mlpParams(cfg, new int[0]), denseTotal = totalParams(cfg, new int[0]);
        double fullSpeed = byArm.containsKey("full")
                ? mean(byArm.get("full"), r -> r.medianTokensPerSecond(tokensPerStep))
                : Double.NaN;
        for (var e : byArm.entrySet()) {
            List<RunResult> rs = e.getValue();
            int[] ranks = rs.get(0).finalRanks();
            long mlp = mlpParams(cfg, ranks);
            double mean = 0;
            for (int r : ranks) mean += r;
            mean = ranks.length == 0 ? cfg.dim() : mean / ranks.length;
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %s | %s | %s | %.0f, %.0f %% | %,d (%.2f×) | %,d (%.2f×) | %.1f | %.1f | %s | %s | %s |%n",
                    e.getKey(),
                    rs.size(),
                    spread(rs, r -> r.eval("validation_ppl")),
                    spread(rs, r -> r.eval("validation_mean_batch_ppl")),
                    spread(rs, r -> r.eval("test_ppl")),
                    spread(rs, r -> r.eval("test_mean_batch_ppl")),
                    ranks.length == 0 ? "dense" : java.util.Arrays.toString(ranks),
                    mean,
                    100 * mean / cfg.dim(),
                    mlp,
                    (double) denseMlp / mlp,
                    totalParams(cfg, ranks),
                    (double) denseTotal / totalParams(cfg, ranks),
                    rs.get(0).servedBytes() / 1048576.0,
                    rs.get(0).checkpointBytes() / 1048576.0,
                    spread(rs, r -> r.medianTokensPerSecond(tokensPerStep)),
                    Double.isNaN(fullSpeed)
                            ? "-"
                            : String.format(
                                    Locale.ROOT,
                                    "%.2f×",
                                    mean(rs, r -> r.medianTokensPerSecond(tokensPerStep)) / fullSpeed),
                    spread(rs, r -> r.summary().path("seconds").asDouble())));
        }
        double mlpFlops = 2.0 * cfg.layers() * cfg.dim() * cfg.hidden(),
                allFlops = mlpFlops + 4.0 * cfg.layers() * cfg.dim() * cfg.dim() + (double) cfg.vocab() * cfg.dim();
        md.append(String.format(
                Locale.ROOT,
                "%nThe MLPs hold %,d of %,d parameters (%.1f %%) when dense; the tied embedding / LM head holds %,d. Per"
                        + " token, the dense MLP matmuls are %.1f %% of the model's weight-matmul FLOPs (attention scores"
                        + " aside), so whole-model speed-ups are bounded by that share. The last checkpoint is given as"
                        + " the model.safetensors a server loads and in all (with AdamW state); a stage-1 checkpoint (the"
                        + " inrank arm) stores all R_max modes and serves the active ones. Wall time includes evaluations, checkpoints and (InRank arms) the rank checks.%n%n",
                denseMlp,
                denseTotal,
                100.0 * denseMlp / denseTotal,
                (long) cfg.vocab() * cfg.dim(),
                100 * mlpFlops / allFlops));
        md.append("![training loss](loss-vs-tokens.png)\n\n![validation perplexity](val-ppl-vs-tokens.png)\n\n"
                + "![ranks](ranks-vs-step.png)\n\n![explained ratio](explained-ratio-vs-step.png)\n\n"
                + "![ppl vs MLP params](ppl-vs-mlp-params.png)\n");
        Files.writeString(out.resolve("results.md"), md.toString());
        plots(out, cfg, runs, tokensPerStep);
        ratioPlot(out, runs);
    }

    private static double mean(List<RunResult> rs, java.util.function.ToDoubleFunction<RunResult> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String spread(List<RunResult> rs, java.util.function.ToDoubleFunction<RunResult> f) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, sum = 0;
        for (RunResult r : rs) {
            double v = f.applyAsDouble(r);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            sum += v;
        }
        double mean = sum / rs.size();
        return rs.size() == 1
                ? String.format(Locale.ROOT, "%.1f", mean)
                : String.format(Locale.ROOT, "%.1f ± %.1f", mean, (hi - lo) / 2);
    }

    private static void plots(Path out, GptConfig cfg, List<RunResult> runs, int tokensPerStep) throws IOException {
        XYSeriesCollection loss = new XYSeriesCollection(), ppl = new XYSeriesCollection();
        for (RunResult r : runs) {
            XYSeries s = new XYSeries(r.arm().run(r.seed()));
            for (JsonNode st : r.steps())
                s.add(
                        st.path("step").asDouble() * tokensPerStep,
                        st.path("loss").asDouble());
            loss.addSeries(s);
            XYSeries p = new XYSeries(r.arm().run(r.seed()));
            p.add(mlpParams(cfg, r.finalRanks()), r.eval("test_ppl"));
            ppl.addSeries(p);
        }
        XYSeriesCollection val = new XYSeriesCollection();
        for (RunResult r : runs) {
            XYSeries s = new XYSeries(r.arm().run(r.seed()));
            for (JsonNode e : r.evals())
                if (e.path("eval").asText().equals("validation"))
                    s.add(
                            e.path("step").asDouble() * tokensPerStep,
                            e.path("ppl").asDouble());
            val.addSeries(s);
        }
        save(
                out.resolve("val-ppl-vs-tokens.png"),
                ChartFactory.createXYLineChart(
                        "Validation perplexity",
                        "tokens",
                        "validation ppl",
                        val,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false));
        save(
                out.resolve("loss-vs-tokens.png"),
                ChartFactory.createXYLineChart(
                        "Training loss", "tokens", "loss", loss, PlotOrientation.VERTICAL, true, false, false));
        save(
                out.resolve("ppl-vs-mlp-params.png"),
                ChartFactory.createScatterPlot(
                        "Test perplexity vs MLP parameters",
                        "MLP parameters",
                        "test ppl",
                        ppl,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false));
        XYSeriesCollection ranks = new XYSeriesCollection();
        for (RunResult r : runs) {
            if (r.seed() != runs.get(0).seed()
                    || r.arm().mode().equals("full")
                    || r.arm().fixed()) continue; // the fixed arm's ranks are flat by construction
            int layers = r.finalRanks().length;
            for (int l = 0; l < layers; l++) {
                XYSeries s = new XYSeries(r.arm().name() + " layer " + l);
                for (JsonNode st : r.steps())
                    if (st.path("ranks").size() > l)
                        s.add(
                                st.path("step").asDouble(),
                                st.path("ranks").get(l).asDouble());
                ranks.addSeries(s);
            }
        }
        save(
                out.resolve("ranks-vs-step.png"),
                ChartFactory.createXYLineChart(
                        "Rank per layer",
                        "optimizer step",
                        "rank",
                        ranks,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false));
    }

    /** The explained ratio at the chosen rank, per layer, at every rank check of the first seed's growing arms. */
    private static void ratioPlot(Path out, List<RunResult> runs) throws IOException {
        XYSeriesCollection ratios = new XYSeriesCollection();
        for (RunResult r : runs) {
            if (r.seed() != runs.get(0).seed() || r.checks().isEmpty()) continue;
            int layers = r.checks().get(0).path("ratios").size();
            for (int l = 0; l < layers; l++) {
                XYSeries s = new XYSeries(r.arm().name() + " layer " + l);
                for (JsonNode c : r.checks()) {
                    JsonNode v = c.path("ratios").path(l);
                    if (v.isNumber()) s.add(c.path("step").asDouble(), v.asDouble());
                }
                ratios.addSeries(s);
            }
        }
        save(
                out.resolve("explained-ratio-vs-step.png"),
                ChartFactory.createXYLineChart(
                        "Explained ratio at the chosen rank, per layer",
                        "optimizer step",
                        "explained ratio",
                        ratios,
                        PlotOrientation.VERTICAL,
                        true,
                        false,
                        false));
    }

    private static void save(Path file, JFreeChart chart) throws IOException {
        // ranges fit the data (a perplexity or ratio axis from 0 flattens the differences that matter)
        ((org.jfree.chart.axis.NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 560);
    }
}
