package io.inrank.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import io.inrank.commands.BackendOption;
import io.inrank.model.GptConfig;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.rank.RankRule;
import io.inrank.rank.RatioPolicy;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code inrank experiment rule-at-init}: the rank rule applied, check after check, to InRank factors that are never
 * trained. Each layer's A and Bt are drawn as the trainer initialises them (A ~ U(±1/√in), Bt ~ U(±1/√R_max), all
 * R_max modes), the spectrum of the k = r + b active modes is computed by the backend exactly as a trainer reports it,
 * and the controller's rule ({@link RankRule#decide}, the function its Decider applies, never below a granted rank)
 * picks the next r, until r stops moving. Untrained factors do not change between checks, so the first unchanged check
 * is the plateau. Written next to the trained runs' final ranks (from {@code <out>/checkpoints/<run>/steps.jsonl}):
 * if the two agree, the plateau is set by b/d and α, not learned.
 */
@Command(
        name = "rule-at-init",
        mixinStandardHelpOptions = true,
        description = {
            "The rank rule on untrained factors: plateau ranks for a sweep of b and α at --preset, and at the GPT-2",
            "shapes with the official b = 100; beside the trained runs' final ranks. Writes rule-at-init.md,",
            "rule-at-init.png and rule-at-init.jsonl in --out; one JSON line per configuration on stdout."
        })
public final class RuleAtInitCommand implements Callable<Integer> {

    @Mixin
    BackendOption backend;

    @Mixin
    ExperimentPreset model;

    @Option(
            names = "--buffers",
            defaultValue = "8,16,24,33,48",
            split = ",",
            description = "Buffers b of the sweep (default: ${DEFAULT-VALUE}).")
    List<Integer> buffers;

    @Option(
            names = "--alphas",
            defaultValue = "0.8,0.9",
            split = ",",
            description = "Thresholds α of the sweep (default: ${DEFAULT-VALUE}).")
    List<Double> alphas;

    @Option(
            names = "--gpt2-shapes",
            defaultValue = "gpt2-small,gpt2-medium,gpt2-large",
            split = ",",
            description = "Presets checked at the official b = 100, α = 0.9 (empty: none; default: ${DEFAULT-VALUE}).")
    List<String> gpt2;

    @Option(names = "--init-rank", defaultValue = "2", description = "r0 (default: ${DEFAULT-VALUE}).")
    int r0;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the factor draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--trained-buffer",
            defaultValue = "-1",
            description =
                    "b of the trained runs in --out; -1: 100/768 of d_model, the experiment's (default: ${DEFAULT-VALUE}).")
    int trainedBuffer;

    @Option(
            names = "--out",
            defaultValue = "experiments/cpu-small",
            description = "Where the trained runs are and the results go (default: ${DEFAULT-VALUE}).")
    Path out;

    /** One configuration's outcome: per layer, the ranks after each check (index 0 = r0) until the plateau. */
    record Outcome(String preset, int dim, int buffer, double alpha, List<int[]> trajectories) {
        int plateau(int layer) {
            int[] t = trajectories.get(layer);
            return t[t.length - 1];
        }

        double meanPlateau() {
            double s = 0;
            for (int l = 0; l < trajectories.size(); l++) s += plateau(l);
            return s / trajectories.size();
        }

        int minPlateau() {
            int m = Integer.MAX_VALUE;
            for (int l = 0; l < trajectories.size(); l++) m = Math.min(m, plateau(l));
            return m;
        }

        int maxPlateau() {
            int m = 0;
            for (int l = 0; l < trajectories.size(); l++) m = Math.max(m, plateau(l));
            return m;
        }

        int checks() {
            int c = 0;
            for (int[] t : trajectories) c = Math.max(c, t.length - 2); // the last check only confirms
            return c;
        }
    }

    /** Untrained factors of one InRank layer, float32 as the trainer holds them. */
    record Factors(Tensor a, Tensor bt) {}

    static Factors draw(Backend be, int in, int out, int maxRank, long seed) {
        Random r = new Random(seed);
        double[] a = new double[maxRank * in], bt = new double[maxRank * out];
        double ba = 1.0 / Math.sqrt(in), bb = 1.0 / Math.sqrt(maxRank);
        for (int i = 0; i < a.length; i++) a[i] = (2 * r.nextDouble() - 1) * ba;
        for (int i = 0; i < bt.length; i++) bt[i] = (2 * r.nextDouble() - 1) * bb;
        Tensor ta = be.zeros(DType.F32, maxRank, in), tb = be.zeros(DType.F32, maxRank, out);
        be.fromHost(ta, a);
        be.fromHost(tb, bt);
        return new Factors(ta, tb);
    }

    /** The ranks check after check: k = min(r + b, R_max) active modes, the rule, never below r; stops when r stays. */
    static int[] trajectory(Backend be, Factors f, int maxRank, int r0, int b, double alpha) {
        List<Integer> ranks = new ArrayList<>(List.of(r0));
        int r = r0;
        for (int check = 0; check < maxRank; check++) {
            int k = Math.min(r + b, maxRank);
            double[] s = be.singularValues(be.rows(f.a(), k), be.rows(f.bt(), k));
            int next = Math.max(
                    r,
                    RankRule.decide(s, r, b, maxRank, alpha, RatioPolicy.EXPLAINED_VARIANCE)
                            .newRank());
            ranks.add(next);
            if (next == r) break;
            r = next;
        }
        return ranks.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Every InRank layer (fc1, fc2 per block) of {@code preset}, or one fc1 and one fc2 when {@code oneBlock}. */
    List<Outcome> sweep(Backend be, String preset, List<Integer> bs, List<Double> as, boolean oneBlock) {
        GptConfig c = GptConfig.preset(preset, GptConfig.Mode.INRANK_EFFICIENT);
        int layers = oneBlock ? 2 : 2 * c.layers(), rMax = c.maxRank();
        List<Factors> factors = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            boolean fc1 = l % 2 == 0;
            factors.add(draw(be, fc1 ? c.dim() : c.hidden(), fc1 ? c.hidden() : c.dim(), rMax, seed * 1_000_003L + l));
        }
        List<Outcome> out = new ArrayList<>();
        for (int b : bs)
            for (double a : as) {
                if (r0 + b > rMax) continue;
                List<int[]> t = new ArrayList<>();
                for (Factors f : factors) t.add(trajectory(be, f, rMax, r0, b, a));
                Outcome o = new Outcome(preset, c.dim(), b, a, t);
                System.out.println(json(o, rMax));
                out.add(o);
            }
        return out;
    }

    static String json(Outcome o, int rMax) {
        StringBuilder p = new StringBuilder();
        for (int l = 0; l < o.trajectories().size(); l++)
            p.append(l == 0 ? "" : ",").append(o.plateau(l));
        return String.format(
                Locale.ROOT,
                "{\"bench\":\"rule-at-init\",\"preset\":\"%s\",\"d_model\":%d,\"max_rank\":%d,\"buffer\":%d,\"alpha\":%s,"
                        + "\"plateau\":[%s],\"mean\":%.1f,\"checks\":%d}",
                o.preset(),
                o.dim(),
                rMax,
                o.buffer(),
                o.alpha(),
                p,
                o.meanPlateau(),
                o.checks());
    }

    /** A trained run's rank checks: the mean rank after each check, and the final ranks. */
    record Trained(String run, String arm, List<Double> meanAfterCheck, int[] finalRanks) {}

    static List<Trained> trained(Path out) throws IOException {
        Path dir = out.resolve("checkpoints");
        List<Trained> runs = new ArrayList<>();
        if (!Files.isDirectory(dir)) return runs;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path run : s.sorted().toList()) {
                Path log = run.resolve("steps.jsonl");
                if (!Files.exists(log)) continue;
                List<Double> means = new ArrayList<>();
                int[] last = null;
                for (String line : Files.readAllLines(log)) {
                    if (!line.contains("\"check\"")) continue;
                    JsonNode n = RunResult.JSON.readTree(line).path("ranks");
                    int[] r = new int[n.size()];
                    double m = 0;
                    for (int i = 0; i < r.length; i++) m += (r[i] = n.get(i).asInt());
                    means.add(m / Math.max(1, r.length));
                    last = r;
                }
                if (last == null) continue; // dense or fixed-rank runs make no checks
                String name = run.getFileName().toString();
                runs.add(new Trained(name, name.replaceFirst("-s[0-9]+$", "").replace('_', '.'), means, last));
            }
        }
        return runs;
    }

    @Override
    public Integer call() throws Exception {
        backend.check();
        Backend be = backend.open();
        GptConfig cfg = GptConfig.preset(model.name(), GptConfig.Mode.INRANK_EFFICIENT);
        int tb = trainedBuffer >= 0 ? trainedBuffer : (int) Math.round(100.0 * cfg.dim() / 768);
        List<Integer> bs = new ArrayList<>(buffers);
        if (!bs.contains(tb)) bs.add(tb);
        bs.sort(null);
        List<Outcome> small = sweep(be, model.name(), bs, alphas, false);
        List<Outcome> big = new ArrayList<>();
        for (String p : gpt2) if (!p.isBlank()) big.addAll(sweep(be, p.trim(), List.of(100), List.of(0.9), true));
        List<Trained> runs = trained(out);
        Files.createDirectories(out);
        StringBuilder jl = new StringBuilder();
        for (Outcome o : small) jl.append(json(o, cfg.maxRank())).append('\n');
        for (Outcome o : big)
            jl.append(json(
                            o,
                            GptConfig.preset(o.preset(), GptConfig.Mode.INRANK).maxRank()))
                    .append('\n');
        Files.writeString(out.resolve("rule-at-init.jsonl"), jl.toString());
        Files.writeString(out.resolve("rule-at-init.md"), markdown(cfg, tb, small, big, runs));
        plot(out.resolve("rule-at-init.png"), cfg, tb, small, big, runs);
        System.err.println("wrote " + out.resolve("rule-at-init.md") + " and rule-at-init.png");
        return 0;
    }

    /** The official code's fixed-rank commands (its README): the ranks its InRank runs ended with, per GPT-2 size. */
    static final Map<String, Integer> OFFICIAL_FIXED = Map.of("gpt2-small", 254, "gpt2-medium", 287, "gpt2-large", 313);

    private String markdown(GptConfig cfg, int tb, List<Outcome> small, List<Outcome> big, List<Trained> runs) {
        StringBuilder md = new StringBuilder("# The rank rule on untrained factors\n\n");
        md.append(String.format(
                Locale.ROOT,
                "`./inrank experiment rule-at-init` (seed %d, backend %s): each InRank layer's factors drawn as the"
                        + " trainer initialises them and never trained; r0 = %d; at every check the spectrum of the"
                        + " k = r + b active modes and the controller's rule (explained variance, strict > α, never"
                        + " below a granted rank), until r stays. Preset %s: d_model %d, R_max %d, %d InRank layers;"
                        + " the cap is R_max − b − 1.%n%n",
                seed,
                backend.options().name(),
                r0,
                model.name(),
                cfg.dim(),
                cfg.maxRank(),
                2 * cfg.layers()));
        md.append("| b | b/d | α | untrained plateau: mean (min–max over layers) | % of d | checks to reach it | cap"
                + " | trained runs' final ranks: mean (min–max) |\n|---|---|---|---|---|---|---|---|\n");
        for (Outcome o : small) {
            StringBuilder t = new StringBuilder();
            if (o.buffer() == tb)
                for (Trained r : runs)
                    if (alphaOf(r.arm()) == o.alpha())
                        t.append(t.isEmpty() ? "" : "; ")
                                .append(String.format(
                                        Locale.ROOT,
                                        "%s %.1f (%d–%d)",
                                        r.run(),
                                        mean(r.finalRanks()),
                                        min(r.finalRanks()),
                                        max(r.finalRanks())));
            md.append(String.format(
                    Locale.ROOT,
                    "| %d | %.3f | %.1f | %.1f (%d–%d) | %.0f %% | %d | %d | %s |%n",
                    o.buffer(),
                    (double) o.buffer() / o.dim(),
                    o.alpha(),
                    o.meanPlateau(),
                    o.minPlateau(),
                    o.maxPlateau(),
                    100 * o.meanPlateau() / o.dim(),
                    o.checks(),
                    cfg.maxRank() - o.buffer() - 1,
                    t.isEmpty() ? "–" : t));
        }
        Outcome ref = small.stream()
                .filter(o -> o.buffer() == tb && o.alpha() == 0.9)
                .findFirst()
                .orElse(null);
        if (ref != null) {
            md.append(String.format(
                    Locale.ROOT,
                    "%n## Check by check at b = %d, α = 0.9: untrained vs trained (mean rank over the layers)%n%n",
                    tb));
            List<Trained> shown =
                    runs.stream().filter(r -> alphaOf(r.arm()) == 0.9).toList();
            md.append("| check | untrained");
            for (Trained r : shown) md.append(" | ").append(r.run());
            md.append(" |\n|---|---");
            for (int i = 0; i < shown.size(); i++) md.append("|---");
            md.append("|\n");
            int rows = 12;
            for (int i = 0; i < rows; i++) {
                md.append("| ").append(i + 1).append(" | ");
                double u = 0;
                for (int[] t : ref.trajectories()) u += t[Math.min(i + 1, t.length - 1)];
                md.append(String.format(
                        Locale.ROOT, "%.1f", u / ref.trajectories().size()));
                for (Trained r : shown)
                    md.append(" | ")
                            .append(
                                    i < r.meanAfterCheck().size()
                                            ? String.format(
                                                    Locale.ROOT,
                                                    "%.1f",
                                                    r.meanAfterCheck().get(i))
                                            : "");
                md.append(" |\n");
            }
        }
        if (!big.isEmpty()) {
            md.append("\n## GPT-2 shapes, official b = 100, α = 0.9 (one fc1 and one fc2 layer each)\n\n");
            md.append(
                    "| preset | d_model | R_max | untrained plateau fc1, fc2 | % of d | the official fixed-rank command's"
                            + " rank (what its trained InRank runs reached) |\n|---|---|---|---|---|---|\n");
            for (Outcome o : big)
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %d | %d | %d, %d | %.0f %% | %s |%n",
                        o.preset(),
                        o.dim(),
                        GptConfig.preset(o.preset(), GptConfig.Mode.INRANK).maxRank(),
                        o.plateau(0),
                        o.plateau(1),
                        100 * o.meanPlateau() / o.dim(),
                        OFFICIAL_FIXED.containsKey(o.preset()) ? "" + OFFICIAL_FIXED.get(o.preset()) : "–"));
        }
        md.append("\n![plateau rank vs b/d](rule-at-init.png)\n");
        return md.toString();
    }

    /** The α a trained arm ran with: efficient-aX has X, every other 0.9 (the experiment's). */
    static double alphaOf(String arm) {
        if (arm.startsWith("efficient-a")) {
            try {
                return Double.parseDouble(arm.substring("efficient-a".length()));
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return 0.9;
    }

    private static double mean(int[] r) {
        double s = 0;
        for (int x : r) s += x;
        return s / Math.max(1, r.length);
    }

    private static int min(int[] r) {
        int m = Integer.MAX_VALUE;
        for (int x : r) m = Math.min(m, x);
        return m;
    }

    private static int max(int[] r) {
        int m = 0;
        for (int x : r) m = Math.max(m, x);
        return m;
    }

    private void plot(Path file, GptConfig cfg, int tb, List<Outcome> small, List<Outcome> big, List<Trained> runs)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        List<Color> colors = new ArrayList<>();
        List<Boolean> lines = new ArrayList<>();
        List<Integer> styles = new ArrayList<>();
        Map<Double, XYSeries> untrained = new TreeMap<>();
        for (Outcome o : small)
            untrained
                    .computeIfAbsent(
                            o.alpha(),
                            a -> new XYSeries(String.format(Locale.ROOT, "untrained, α = %.1f (%s)", a, model.name())))
                    .add((double) o.buffer() / o.dim(), 100 * o.meanPlateau() / o.dim());
        Map<Double, Color> byAlpha = new LinkedHashMap<>();
        for (var e : untrained.entrySet()) { // α = 0.9 in the efficient arm's colour, 0.8 in its ablation's
            Color c = e.getKey() == 0.9
                    ? Charts.color("efficient")
                    : e.getKey() == 0.8 ? Charts.color("efficient-a0.8") : new Color(0x7F7F7F);
            byAlpha.put(e.getKey(), c);
            data.addSeries(e.getValue());
            colors.add(c);
            lines.add(true);
            styles.add(0);
        }
        Map<String, XYSeries> trainedSeries = new LinkedHashMap<>();
        for (Trained r : runs) {
            String key = r.arm();
            trainedSeries
                    .computeIfAbsent(key, k -> new XYSeries("trained: " + k))
                    .add((double) tb / cfg.dim(), 100 * mean(r.finalRanks()) / cfg.dim());
        }
        for (var e : trainedSeries.entrySet()) {
            data.addSeries(e.getValue());
            colors.add(Charts.color(e.getKey()));
            lines.add(false);
            styles.add(1);
        }
        if (!big.isEmpty()) {
            XYSeries u = new XYSeries("untrained, GPT-2 small/medium/large, b = 100, α = 0.9"),
                    t = new XYSeries("trained (official fixed-rank commands), GPT-2 small/medium/large");
            for (Outcome o : big) {
                u.add(100.0 / o.dim(), 100 * o.meanPlateau() / o.dim());
                Integer off = OFFICIAL_FIXED.get(o.preset());
                if (off != null) t.add(100.0 / o.dim(), 100.0 * off / o.dim());
            }
            data.addSeries(u);
            colors.add(new Color(0x7F7F7F));
            lines.add(true);
            styles.add(2);
            data.addSeries(t);
            colors.add(new Color(0x2CA02C));
            lines.add(false);
            styles.add(1);
        }
        JFreeChart chart = Charts.lines(
                "Plateau rank vs buffer: the rule on untrained factors and trained runs",
                "b / d_model",
                "plateau rank, % of d_model (mean over layers)",
                data,
                new Charts.SeriesStyle() {
                    public Color color(int s) {
                        return colors.get(s);
                    }

                    public int seedIndex(int s) {
                        return styles.get(s);
                    }

                    public boolean markers(int s) {
                        return true;
                    }

                    public boolean lines(int s) {
                        return lines.get(s);
                    }
                },
                false);
        Charts.save(file, chart);
    }
}
