package io.inrank.model.bench;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.generate.BatchDecoder;
import io.inrank.model.generate.Sampler;
import io.inrank.model.inrank.DenseTwin;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./inrank bench generate} (also the first line of {@code ./inrank bench serve}): single-stream decoding tokens/s
 * with the KV cache, factored (InRank, stored rank R) vs its dense twin on the same weights (W = A·B merged:
 * {@link DenseTwin}), both through the server's decoder, timed token by token in alternation (see main). Options:
 * --backend nd4j|reference|… --preset tiny --rank 32 --tokens 200 (at most the context)
 */
public final class GenerateBench {
    public static void main(String[] args) {
        String preset = "tiny", backend = null;
        int rank = -1, tokens = 200; // 64 tokens measured too noisily on 2 cores (realised 0.92–1.17)
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--preset" -> preset = args[++i];
                case "--rank" -> rank = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GptConfig dense = GptConfig.preset(preset, GptConfig.Mode.FULL).withDropout(0);
        int r = rank > 0 ? rank : dense.maxRank() * 2 / 3; // the same default as bench serve
        int[] stored = new int[2 * dense.layers()];
        java.util.Arrays.fill(stored, r);
        Backend be = Backends.openForCli(backend);
        GptModel lowRank =
                new GptModel(be, dense.withMode(GptConfig.Mode.INRANK_EFFICIENT), 1, 1, DType.F32, 1, stored);
        GptModel twin = DenseTwin.of(lowRank);
        tokens = Math.min(tokens, dense.context() - 1); // what one sequence can hold after its first token
        Arm denseArm = new Arm(twin), factoredArm = new Arm(lowRank);
        // Paired: the arms alternate token by token (who goes first alternates too), so the slow phases of a shared
        // machine fall on both alike; separate runs of each arm scattered 0.88–1.10 in the realised ratio here.
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
        System.out.printf(
                "{\"bench\":\"generate\",\"impl\":\"%s\",\"preset\":\"%s\",\"rank\":%d,\"tokens\":%d,\"dense_tokens_per_s\":%.1f,"
                        + "\"factored_tokens_per_s\":%.1f,\"speedup\":%.2f,\"param_ratio\":%.3f,\"realised\":%.2f,"
                        + "\"realised_rounds\":[%.2f,%.2f,%.2f],\"paired\":true,\"same_weights\":true}%n",
                be.name(),
                preset,
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
