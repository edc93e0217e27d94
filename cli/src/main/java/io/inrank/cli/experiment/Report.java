package io.inrank.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The experiment's results: {@code results.md} (one row per arm, mean ± half the range over its seeds, every seed's
 * final ranks) and PNG plots ({@link Charts}: one colour per arm, seeds as line styles). MLP and whole-model sizes are
 * given apart, because the vocabulary dominates small GPTs.
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

    /** Arms in {@link Charts#ARM_ORDER}, then any other in the order run; each arm's runs by seed. */
    static Map<String, List<RunResult>> byArm(List<RunResult> runs) {
        List<RunResult> sorted = new ArrayList<>(runs);
        sorted.sort(
                Comparator.comparingInt((RunResult r) -> Charts.armIndex(r.arm().name()))
                        .thenComparingInt(RunResult::seed));
        Map<String, List<RunResult>> out = new LinkedHashMap<>();
        for (RunResult r : sorted)
            out.computeIfAbsent(r.arm().name(), k -> new ArrayList<>()).add(r);
        return out;
    }

    /**
     * The modes an arm trains and serves at the end: r for arms whose ranks were set or resized, r + b (at most R_max)
     * for arms that grow ranks to the end (efficient-no-resize, cumulative), whose buffer always trains.
     */
    static int[] trainedModes(RunResult r, GptConfig cfg, int buffer) {
        int[] ranks = r.finalRanks();
        String mode = r.arm().mode();
        if (r.arm().fixedShape() || !(mode.startsWith("cumulative") || mode.equals("efficient-no-resize")))
            return ranks;
        int[] k = new int[ranks.length];
        for (int i = 0; i < k.length; i++) k[i] = Math.min(ranks[i] + buffer, cfg.maxRank());
        return k;
    }

    static void write(Path out, GptConfig cfg, String header, List<RunResult> runs, int tokensPerStep, int buffer)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, List<RunResult>> byArm = byArm(runs);
        StringBuilder md = new StringBuilder("# InRank at CPU scale: results\n\n")
                .append(header)
                .append("\n\n");
        md.append(
                "| arm | seeds | val ppl (exp mean NLL) | val ppl (mean of batch ppl) | test ppl | test ppl (batch mean)"
                        + " | final ranks per layer, each seed | mean rank, % of d_model | MLP params trained (× smaller)"
                        + " | total params (× smaller) | served model MiB | checkpoint MiB (with AdamW state)"
                        + " | train tokens/s (median step, 2nd half) | speed vs full | wall s |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        long denseMlp = mlpParams(cfg, new int[0]), denseTotal = totalParams(cfg, new int[0]);
        double fullSpeed = byArm.containsKey("full")
                ? mean(byArm.get("full"), r -> r.medianTokensPerSecond(tokensPerStep))
                : Double.NaN;
        for (var e : byArm.entrySet()) {
            List<RunResult> rs = e.getValue();
            int[] ranks = rs.get(0).finalRanks();
            StringBuilder perSeed = new StringBuilder();
            double meanRank = 0;
            for (RunResult r : rs) {
                int[] f = r.finalRanks();
                if (f.length == 0) continue;
                perSeed.append(perSeed.isEmpty() ? "" : "<br>")
                        .append("s")
                        .append(r.seed())
                        .append(": ")
                        .append(Arrays.toString(f));
                meanRank += Arrays.stream(f).average().orElse(0) / rs.size();
            }
            if (ranks.length == 0) meanRank = cfg.dim();
            int[] modes = trainedModes(rs.get(0), cfg, buffer);
            boolean withBuffer = !Arrays.equals(modes, ranks);
            long mlp = mlpParams(cfg, modes);
            boolean cumulative = rs.get(0).arm().mode().startsWith("cumulative");
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %s | %s | %s | %s | %s | %.1f, %.0f %% | %,d (%.2f×)%s | %,d (%.2f×) | %.1f | %.1f | %s | %s | %s |%n",
                    e.getKey(),
                    rs.size(),
                    spread(rs, r -> r.eval("validation_ppl")),
                    spread(rs, r -> r.eval("validation_mean_batch_ppl")),
                    spread(rs, r -> r.eval("test_ppl")),
                    spread(rs, r -> r.eval("test_mean_batch_ppl")),
                    ranks.length == 0 ? "dense" : perSeed,
                    meanRank,
                    100 * meanRank / cfg.dim(),
                    mlp,
                    (double) denseMlp / mlp,
                    (withBuffer ? ", r + b modes" : "") + (cumulative ? " + frozen W_0" : ""),
                    totalParams(cfg, modes),
                    (double) denseTotal / totalParams(cfg, modes),
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
        md.append(
                "\nPer run (perplexities as exp mean NLL; throughput as above: compare it among runs made in one session,"
                        + " experiments/README.md says which):\n\n| run | val ppl | test ppl | train tokens/s |\n|---|---|---|---|\n");
        for (List<RunResult> rs : byArm.values())
            for (RunResult r : rs)
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %.1f | %.1f | %.0f |%n",
                        r.arm().run(r.seed()),
                        r.eval("validation_ppl"),
                        r.eval("test_ppl"),
                        r.medianTokensPerSecond(tokensPerStep)));
        double mlpFlops = 2.0 * cfg.layers() * cfg.dim() * cfg.hidden(),
                allFlops = mlpFlops + 4.0 * cfg.layers() * cfg.dim() * cfg.dim() + (double) cfg.vocab() * cfg.dim();
        md.append(String.format(
                Locale.ROOT,
                "%nThe MLPs hold %,d of %,d parameters (%.1f %%) when dense; the tied embedding / LM head holds %,d. Per"
                        + " token, the dense MLP matmuls are %.1f %% of the model's weight-matmul FLOPs (attention scores"
                        + " aside), so whole-model speed-ups are bounded by that share. Sizes are float32 parameters of the"
                        + " last checkpoint (served model; with AdamW's two moments); a run that grows ranks to the end"
                        + " (cumulative, efficient-no-resize) trains its r + b active modes to the end, checkpoints all"
                        + " R_max modes, and `inrank export` serves the active ones (the MLP columns count those). The"
                        + " cumulative arm trains and stores only the factors; its frozen W_0 is regenerated from the"
                        + " seed, and it computes with the dense W_0 as well, so it is no faster than full. ±: half the"
                        + " range over seeds. Wall time includes evaluations, checkpoints and (InRank arms) the rank"
                        + " checks; throughput of runs made in different sessions compares machines as well as arms.%n%n",
                denseMlp,
                denseTotal,
                100.0 * denseMlp / denseTotal,
                (long) cfg.vocab() * cfg.dim(),
                100 * mlpFlops / allFlops));
        md.append("![validation perplexity](val-ppl-vs-tokens.png)\n\n![training loss](loss-vs-tokens.png)\n\n"
                + "![ranks](ranks-vs-step.png)\n\n![explained ratio](explained-ratio-vs-step.png)\n\n"
                + "![ppl vs MLP params](ppl-vs-mlp-params.png)\n");
        Files.writeString(out.resolve("results.md"), md.toString());
        plots(out, cfg, byArm, tokensPerStep, buffer);
    }

    private static double mean(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String spread(List<RunResult> rs, ToDoubleFunction<RunResult> f) {
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

    /** Series styled by their run: the arm's colour, the seed's index within the arm as line style. */
    private static final class RunStyles implements Charts.SeriesStyle {
        final List<Color> colors = new ArrayList<>();
        final List<Integer> seeds = new ArrayList<>();
        final boolean markers, lines;

        RunStyles(boolean markers, boolean lines) {
            this.markers = markers;
            this.lines = lines;
        }

        void add(String arm, int seedIndex) {
            colors.add(Charts.color(arm));
            seeds.add(seedIndex);
        }

        public Color color(int s) {
            return colors.get(s);
        }

        public int seedIndex(int s) {
            return seeds.get(s);
        }

        public boolean markers(int s) {
            return markers;
        }

        public boolean lines(int s) {
            return lines;
        }
    }

    private static void plots(
            Path out, GptConfig cfg, Map<String, List<RunResult>> byArm, int tokensPerStep, int buffer)
            throws IOException {
        // validation perplexity: every run, markers at the evaluations, log scale
        XYSeriesCollection val = new XYSeriesCollection();
        RunStyles valStyle = new RunStyles(true, true);
        // training loss: one line per arm, the mean over its seeds, a 25-step moving average, after step 50
        XYSeriesCollection loss = new XYSeriesCollection();
        RunStyles lossStyle = new RunStyles(false, true);
        XYSeriesCollection ppl = new XYSeriesCollection();
        RunStyles pplStyle = new RunStyles(true, false);
        XYSeriesCollection ranks = new XYSeriesCollection(), ratios = new XYSeriesCollection();
        RunStyles rankStyle = new RunStyles(false, true),
                ratioStyle = new RunStyles(false, true); // checks: every 3 steps
        for (var e : byArm.entrySet()) {
            String arm = e.getKey();
            List<RunResult> rs = e.getValue();
            Map<Long, double[]> lossSum = new java.util.TreeMap<>();
            for (int i = 0; i < rs.size(); i++) {
                RunResult r = rs.get(i);
                XYSeries v = new XYSeries(r.arm().run(r.seed()));
                for (JsonNode n : r.evals())
                    if (n.path("eval").asText().equals("validation"))
                        v.add(
                                n.path("step").asDouble() * tokensPerStep,
                                n.path("ppl").asDouble());
                val.addSeries(v);
                valStyle.add(arm, i);
                for (JsonNode st : r.steps()) {
                    double[] acc = lossSum.computeIfAbsent(st.path("step").asLong(), k -> new double[2]);
                    acc[0] += st.path("loss").asDouble();
                    acc[1]++;
                }
                XYSeries p = new XYSeries(r.arm().run(r.seed()));
                p.add(mlpParams(cfg, trainedModes(r, cfg, buffer)), r.eval("test_ppl"));
                ppl.addSeries(p);
                pplStyle.add(arm, i);
                if (!r.checks().isEmpty() && !r.arm().fixedShape()) {
                    XYSeries k = new XYSeries(r.arm().run(r.seed()));
                    for (JsonNode st : r.steps()) {
                        JsonNode rk = st.path("ranks");
                        if (rk.isArray() && rk.size() > 0) {
                            double m = 0;
                            for (JsonNode x : rk) m += x.asDouble();
                            k.add(st.path("step").asDouble(), m / rk.size());
                        }
                    }
                    ranks.addSeries(k);
                    rankStyle.add(arm, i);
                    XYSeries q = new XYSeries(r.arm().run(r.seed()));
                    for (JsonNode c : r.checks()) {
                        double m = 0;
                        int n = 0;
                        for (JsonNode x : c.path("ratios"))
                            if (x.isNumber()) {
                                m += x.asDouble();
                                n++;
                            }
                        if (n > 0) q.add(c.path("step").asDouble(), m / n);
                    }
                    ratios.addSeries(q);
                    ratioStyle.add(arm, i);
                }
            }
            XYSeries l = new XYSeries(arm + (rs.size() > 1 ? " (mean of " + rs.size() + " seeds)" : ""));
            List<double[]> pts = new ArrayList<>();
            for (var p : lossSum.entrySet()) pts.add(new double[] {p.getKey(), p.getValue()[0] / p.getValue()[1]});
            for (int i = 0; i < pts.size(); i++) {
                if (pts.get(i)[0] < 50) continue;
                double s = 0;
                int n = 0;
                if (i % 5 != 0) continue; // every 5th step of the 25-step window: enough points, a lighter file
                for (int j = Math.max(0, i - 12); j <= Math.min(pts.size() - 1, i + 12); j++) {
                    s += pts.get(j)[1];
                    n++;
                }
                l.add(pts.get(i)[0] * tokensPerStep, s / n);
            }
            loss.addSeries(l);
            lossStyle.add(arm, 0);
        }
        Charts.save(
                out.resolve("val-ppl-vs-tokens.png"),
                Charts.lines("Validation perplexity (log scale)", "tokens", "validation ppl", val, valStyle, true));
        Charts.save(
                out.resolve("loss-vs-tokens.png"),
                Charts.lines(
                        "Training loss from step 50 (mean over seeds, 25-step moving average)",
                        "tokens",
                        "loss",
                        loss,
                        lossStyle,
                        false));
        JFreeChart p = Charts.lines(
                "Test perplexity vs trained MLP parameters (one point per run)",
                "MLP parameters trained",
                "test ppl",
                ppl,
                pplStyle,
                false);
        ((org.jfree.chart.axis.NumberAxis) p.getXYPlot().getDomainAxis())
                .setNumberFormatOverride(new java.text.DecimalFormat("#,##0"));
        Charts.save(out.resolve("ppl-vs-mlp-params.png"), p);
        Charts.save(
                out.resolve("ranks-vs-step.png"),
                Charts.lines(
                        "Rank r per InRank layer, mean over the layers (arms that grow ranks)",
                        "optimizer step",
                        "mean rank",
                        ranks,
                        rankStyle,
                        false));
        Charts.save(
                out.resolve("explained-ratio-vs-step.png"),
                Charts.lines(
                        "Explained ratio at the chosen rank, mean over the layers, at every rank check",
                        "optimizer step",
                        "explained ratio",
                        ratios,
                        ratioStyle,
                        false));
    }
}
