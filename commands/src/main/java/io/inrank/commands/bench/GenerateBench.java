package io.inrank.commands.bench;

import io.inrank.commands.BackendOption;
import io.inrank.commands.PresetOption;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.generate.BatchDecoder;
import io.inrank.model.generate.Sampler;
import io.inrank.model.inrank.DenseTwin;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench generate} (also the first line of {@code inrank bench serve}): single-stream decoding tokens/s
 * with the KV cache, factored (InRank, stored rank R) vs its dense twin on the same weights (W = A·B merged:
 * {@link DenseTwin}), both through the server's decoder, timed token by token in alternation (see {@link #call}).
 */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Single-stream KV-cache decoding tokens/s: the factored model at rank R vs its dense twin (same weights),"
                    + " through the server's decoder, alternating token by token.",
            "Prints one JSON line."
        })
public final class GenerateBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Mixin
    PresetOption preset;

    @Option(
            names = "--rank",
            paramLabel = "R",
            defaultValue = "-1",
            description =
                    "Stored rank of every factored MLP layer; -1: two thirds of the preset's maximum, as bench serve"
                            + " (default: ${DEFAULT-VALUE}).")
    int rank;

    // 64 tokens measured too noisily on 2 cores (realised 0.92–1.17)
    @Option(
            names = "--tokens",
            paramLabel = "N",
            defaultValue = "200",
            description = "Tokens decoded per round, at most the context less one (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(
            names = "--with-torch",
            description = "Then run the PyTorch reference (bench/torch_generate.py with /usr/bin/python3) on the same"
                    + " config.")
    boolean withTorch;

    @Override
    public Integer call() throws Exception {
        if (tokens < 1) throw new ParameterException(spec.commandLine(), "--tokens must be at least 1");
        GptConfig dense;
        try {
            dense = preset.config(GptConfig.Mode.FULL).withDropout(0);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--preset: " + e.getMessage());
        }
        int r = rank > 0 ? rank : dense.maxRank() * 2 / 3; // the same default as bench serve
        if (r > dense.maxRank())
            throw new ParameterException(
                    spec.commandLine(),
                    "--rank " + r + ": above the largest rank of " + preset.name() + " (" + dense.maxRank() + ")");
        int[] stored = new int[2 * dense.layers()];
        java.util.Arrays.fill(stored, r);
        Backend be = backend.open();
        GptModel lowRank =
                new GptModel(be, dense.withMode(GptConfig.Mode.INRANK_EFFICIENT), 1, 1, DType.F32, 1, stored);
        GptModel twin = DenseTwin.of(lowRank);
        int tokens = Math.min(this.tokens, dense.context() - 1); // what one sequence can hold after its first token
        Arm denseArm = new Arm(twin), factoredArm = new Arm(lowRank);
        // Paired: the arms alternate token by token (who goes first alternates too), so the slow phases of a shared
        // machine fall on both alike; separate runs of each arm scatter far more (model/BENCHMARKS.md).
        double[] realisedRounds = new double[3];
        long dNanos = 0, fNanos = 0, counted = 0;
        for (int round = -1; round < realisedRounds.length; round++) { // round -1 warms up the JIT
            denseArm.reset();
            factoredArm.reset();
            long d = 0, f = 0;
            for (int i = 0; i < tokens; i++) {
                if (i % 2 == 0) {
                    d += denseArm.step();
                    f += factoredArm.step();
                } else {
                    f += factoredArm.step();
                    d += denseArm.step();
                }
            }
            if (round < 0) continue;
            realisedRounds[round] = ((double) d / f) / paramRatio(twin, lowRank);
            dNanos += d;
            fNanos += f;
            counted += tokens;
        }
        double denseRate = counted / (dNanos / 1e9),
                factoredRate = counted / (fNanos / 1e9),
                paramRatio = paramRatio(twin, lowRank);
        java.util.Arrays.sort(realisedRounds);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "{\"bench\":\"generate\",\"impl\":\"%s\",\"preset\":\"%s\",\"rank\":%d,\"tokens\":%d,\"dense_tokens_per_s\":%.1f,"
                        + "\"factored_tokens_per_s\":%.1f,\"speedup\":%.2f,\"param_ratio\":%.3f,\"realised\":%.2f,"
                        + "\"realised_rounds\":[%.2f,%.2f,%.2f],\"paired\":true,\"same_weights\":true}%n",
                be.name(),
                preset.name(),
                r,
                tokens,
                denseRate,
                factoredRate,
                factoredRate / denseRate,
                paramRatio,
                (factoredRate / denseRate) / paramRatio,
                realisedRounds[0],
                realisedRounds[1],
                realisedRounds[2]);
        out.flush();
        if (!withTorch) return 0;
        // The reference takes only these three. The resolved rank, not -1: its own default rank differs from this one.
        return TorchReference.run(
                "torch_generate.py",
                List.of("--preset", preset.name(), "--rank", "" + r, "--tokens", "" + this.tokens));
    }

    private static double paramRatio(GptModel dense, GptModel factored) {
        return (double) dense.params().count() / factored.params().count();
    }

    /** One model decoding one greedy sequence with the server's decoder, a token per {@link #step}. */
    private static final class Arm {
        private final GptModel model;
        private final BatchDecoder decoder;
        private final Sampler sampler = new Sampler(Sampler.Params.greedy());
        private final int[] token = new int[1], slot = {0};
        private final List<Integer> history = new ArrayList<>();

        Arm(GptModel model) {
            this.model = model;
            this.decoder = new BatchDecoder(model, 1);
        }

        void reset() {
            decoder.reset(0);
            history.clear();
            history.add(464);
            token[0] = 464;
        }

        /** Decodes one token; returns the nanoseconds it took (step + greedy pick). */
        long step() {
            long t0 = System.nanoTime();
            int next = sampler.next(model.backend(), decoder.step(token, slot, 1), history);
            long t = System.nanoTime() - t0;
            history.add(next);
            token[0] = next;
            return t;
        }
    }
}
