package io.inrank.model.bench;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.inrank.DenseTwin;
import io.inrank.model.generate.BatchDecoder;
import io.inrank.model.generate.Sampler;
import io.inrank.model.backend.DType;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./inrank bench generate} (also the first line of {@code ./inrank bench serve}): single-stream decoding tokens/s
 * with the KV cache, factored (InRank, stored rank R) vs its dense twin on the same weights (W = A·B merged:
 * {@link DenseTwin}). Options: --preset tiny --rank 32 --tokens 200 (at most the context)
 */
public final class GenerateBench {
    public static void main(String[] args) {
        String preset = "tiny";
        int rank = -1, tokens = 200;          // 64 tokens measured too noisily on 2 cores (realised 0.92–1.17)
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> preset = args[++i];
                case "--rank" -> rank = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GptConfig dense = GptConfig.preset(preset, GptConfig.Mode.FULL).withDropout(0);
        int r = rank > 0 ? rank : dense.maxRank() * 2 / 3;      // the same default as bench serve
        int[] stored = new int[2 * dense.layers()];
        java.util.Arrays.fill(stored, r);
        GptModel lowRank = new GptModel(dense.withMode(GptConfig.Mode.INRANK_EFFICIENT), 1, 1, DType.F32, 1, stored);
        GptModel twin = DenseTwin.of(lowRank);
        tokens = Math.min(tokens, dense.context() - 1);        // what one sequence can hold after its first token
        double d = 0, f = 0;
        for (int round = 0; round < 3; round++) {     // alternating, best of 3: neither arm pays the JIT warm-up alone
            d = Math.max(d, tokensPerSecond(twin, tokens));
            f = Math.max(f, tokensPerSecond(lowRank, tokens));
        }
        double paramRatio = (double) twin.params().count() / lowRank.params().count();
        System.out.printf("{\"bench\":\"generate\",\"preset\":\"%s\",\"rank\":%d,\"tokens\":%d,\"dense_tokens_per_s\":%.1f,"
                + "\"factored_tokens_per_s\":%.1f,\"speedup\":%.2f,\"param_ratio\":%.3f,\"realised\":%.2f,\"same_weights\":true}%n",
                preset, r, tokens, d, f, f / d, paramRatio, (f / d) / paramRatio);
    }

    static double tokensPerSecond(GptModel m, int tokens) {
        int n = Math.min(tokens, m.config().context() - 1);
        BatchDecoder dec = new BatchDecoder(m, 1);       // the server's decoder, one sequence
        Sampler s = new Sampler(Sampler.Params.greedy());
        int[] token = new int[1], slot = {0};
        for (int warm = 0; warm < 2; warm++) {
            dec.reset(0);
            List<Integer> hist = new ArrayList<>(List.of(464));
            int tok = 464;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                token[0] = tok;
                tok = s.next(m.backend(), dec.step(token, slot, 1), hist);
                hist.add(tok);
            }
            if (warm == 1) return n / ((System.nanoTime() - t0) / 1e9);
        }
        throw new AssertionError();
    }
}
