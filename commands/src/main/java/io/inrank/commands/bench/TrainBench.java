package io.inrank.commands.bench;

import io.inrank.commands.BackendOption;
import io.inrank.commands.PresetOption;
import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench train}: training-step throughput of the model on random tokens, one JSON line ({@code
 * --compare-full}: also the full-rank model's line and the FLOP ratio, the speed ratio and how much of it is realised).
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Training-step throughput (forward, backward, AdamW) of the model on random tokens: step ms, tokens/s,"
                    + " GFLOP/s.",
            "Prints one JSON line (--compare-full: two more)."
        })
public final class TrainBench implements Callable<Integer> {
    static final List<String> MODES = List.of("full", "efficient-no-resize", "efficient", "cumulative");

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Mixin
    PresetOption preset;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            defaultValue = "efficient-no-resize",
            description = "(default: ${DEFAULT-VALUE}) Also: full (dense MLP), efficient (factored MLP, resized),"
                    + " cumulative (W_0 + factors).")
    String mode;

    @Option(
            names = "--rank",
            paramLabel = "R",
            defaultValue = "-1",
            description = "Stored rank of every factored MLP layer; -1: the preset's maximum; ignored with --mode full"
                    + " (default: ${DEFAULT-VALUE}).")
    int rank;

    @Option(
            names = "--batch",
            paramLabel = "B",
            defaultValue = "8",
            description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seq",
            paramLabel = "T",
            defaultValue = "64",
            description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(
            names = "--steps",
            paramLabel = "N",
            defaultValue = "10",
            description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "3",
            description = "Untimed steps first, for the JIT (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--peak-tflops",
            paramLabel = "TF",
            defaultValue = "0",
            description = "The device's peak TFLOP/s at this precision; adds mfu = achieved / peak to the line"
                    + " (default: none).")
    double peakTflops;

    @Option(
            names = "--compare-full",
            description = "Also run the full-rank model on the same shape and print a train-vs-full line: FLOP ratio,"
                    + " speed ratio, realised = speed / FLOP ratio.")
    boolean compareFull;

    @Option(
            names = "--with-torch",
            description = "Then run the PyTorch reference (bench/torch_reference.py with /usr/bin/python3) on the same"
                    + " config.")
    boolean withTorch;

    /**
     * Training FLOPs per token (forward + backward = 3 × forward): 6 per weight of every matmul (attention projections,
     * the MLP as dense or as its active factors, the tied LM head) plus causal attention scores, 6·L·T·C.
     */
    static double flopsPerToken(GptModel m, int seq) {
        GptConfig c = m.config();
        double w = 4.0 * c.dim() * c.dim() * c.layers() + (double) c.vocab() * c.dim();
        for (int l = 0; l < c.layers(); l++) {
            if (c.lowRank()) {
                w += (double) m.activeModes(2 * l) * (c.dim() + c.hidden())
                        + (double) m.activeModes(2 * l + 1) * (c.hidden() + c.dim());
            } else {
                w += 2.0 * c.dim() * c.hidden();
            }
        }
        return 6 * w + 6.0 * c.layers() * seq * c.dim();
    }

    public record Result(double stepMs, double gflop, String json) {}

    @Override
    public Integer call() throws Exception {
        validate();
        Backend be = backend.open();
        PrintWriter out = spec.commandLine().getOut();
        Result r = run(be, preset.name(), mode, rank, batch, seq, steps, warmup);
        out.println(withDevice(r, be));
        if (compareFull && !mode.equals("full")) {
            Result f = run(be, preset.name(), "full", -1, batch, seq, steps, warmup);
            out.println(withDevice(f, be));
            double flopRatio = f.gflop() / r.gflop(), speedRatio = f.stepMs() / r.stepMs();
            out.printf(
                    Locale.ROOT,
                    "{\"bench\":\"train-vs-full\",\"preset\":\"%s\",\"mode\":\"%s\",\"rank\":%d,\"flop_ratio\":%.3f,"
                            + "\"speed_ratio\":%.3f,\"realised\":%.3f}%n",
                    preset.name(),
                    mode,
                    rank,
                    flopRatio,
                    speedRatio,
                    speedRatio / flopRatio);
        }
        out.flush();
        if (!withTorch) return 0;
        // The reference takes only the model and shape options; passing the resolved values (not the raw arguments)
        // keeps its run on exactly this config, defaults included.
        return TorchReference.run(
                "torch_reference.py",
                List.of(
                        "--preset", preset.name(),
                        "--mode", mode,
                        "--rank", "" + rank,
                        "--batch", "" + batch,
                        "--seq", "" + seq,
                        "--steps", "" + steps,
                        "--warmup", "" + warmup));
    }

    /** The line with the precision, peak device memory (device backends) and MFU (with --peak-tflops) added. */
    private String withDevice(Result r, Backend be) {
        StringBuilder extra = new StringBuilder(
                ",\"precision\":\"" + backend.options().precision().label() + "\"");
        long peak = be.peakMemoryBytes();
        if (peak >= 0) extra.append(String.format(Locale.ROOT, ",\"peak_device_mib\":%d", peak >> 20));
        if (peakTflops > 0) {
            double achieved = r.gflop() / (r.stepMs() / 1000) / 1000;
            extra.append(String.format(Locale.ROOT, ",\"mfu\":%.3f", achieved / peakTflops));
        }
        String j = r.json();
        return j.substring(0, j.length() - 1) + extra + "}";
    }

    private void validate() {
        try {
            GptConfig.Mode.byLabel(mode);
        } catch (IllegalArgumentException e) {
            usage("--mode: " + e.getMessage());
        }
        GptConfig cfg;
        try {
            cfg = preset.config(GptConfig.Mode.INRANK);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--preset: " + e.getMessage());
        }
        if (rank > cfg.maxRank())
            usage("--rank " + rank + ": above the largest rank of " + preset.name() + " (" + cfg.maxRank() + ")");
        if (batch < 1 || seq < 1 || steps < 1 || warmup < 0)
            usage("--batch, --seq and --steps must be at least 1 and --warmup at least 0");
        if (seq > cfg.context())
            usage("--seq " + seq + ": longer than the context of " + preset.name() + " (" + cfg.context() + ")");
    }

    private void usage(String message) {
        throw new ParameterException(spec.commandLine(), message);
    }

    public static Result run(
            Backend be, String preset, String mode, int rank, int batch, int seq, int steps, int warmup) {
        GptConfig.Mode m = GptConfig.Mode.byLabel(mode);
        GptConfig cfg = GptConfig.preset(preset, m);
        int[] stored = null;
        if (m != GptConfig.Mode.FULL && rank > 0) {
            stored = new int[2 * cfg.layers()];
            java.util.Arrays.fill(stored, rank);
        }
        GptModel model = new GptModel(be, cfg, batch, seq, DType.F32, 1, stored);
        AdamW opt = AdamW.paperDefaults(model.params());
        Random r = new Random(1);
        int n = batch * seq;
        int[] ids = new int[n], tg = new int[n];
        long total = 0;
        double loss = 0;
        for (int s = 0; s < warmup + steps; s++) {
            for (int i = 0; i < n; i++) {
                ids[i] = r.nextInt(cfg.vocab());
                tg[i] = r.nextInt(cfg.vocab());
            }
            long t0 = System.nanoTime();
            model.setDropoutStep(s);
            model.params().zeroGrad();
            loss = model.forward(ids, tg, true);
            model.backward(1.0);
            AdamW.clipGradNorm(model.params(), 1.0);
            opt.step(1e-4);
            if (s >= warmup) total += System.nanoTime() - t0;
        }
        double stepMs = total / 1e6 / steps;
        double gflop = flopsPerToken(model, seq) * n / 1e9;
        String json = String.format(
                Locale.ROOT,
                "{\"bench\":\"train\",\"impl\":\"%s\",\"preset\":\"%s\",\"mode\":\"%s\",\"rank\":%d,\"batch\":%d,\"seq\":%d,"
                        + "\"params\":%d,\"step_ms\":%.1f,\"tokens_per_s\":%.0f,\"gflop_per_step\":%.2f,\"gflops\":%.1f,"
                        + "\"loss\":%.4f,\"threads\":%d}",
                be.name(),
                preset,
                mode,
                rank,
                batch,
                seq,
                model.params().count(),
                stepMs,
                n / (stepMs / 1000),
                gflop,
                gflop / (stepMs / 1000),
                loss,
                Runtime.getRuntime().availableProcessors());
        return new Result(stepMs, gflop, json);
    }
}
