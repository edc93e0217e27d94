package io.inrank.model.backend.nd4j;

import java.util.SplittableRandom;

/**
 * Dropout on attention probabilities (GPT-2's attn_pdrop). Masks are regenerated from a seed in the backward pass, in
 * the same order as in the forward — per (batch, head) block, row by row, the causal part only — so no
 * [B, H, T, T] mask is ever stored.
 */
final class AttnDropout {
    private AttnDropout() {}

    static SplittableRandom block(long seed, int b, int h, int heads) {
        return new SplittableRandom(seed + ((long) b * heads + h) * 0x9E3779B97F4A7C15L);
    }

    /** Fills mask[0..len) with 0 (dropped, probability p) or 1/(1−p). */
    static void row(SplittableRandom rng, int len, double p, double[] mask) {
        double keep = 1.0 / (1.0 - p);
        for (int j = 0; j < len; j++) mask[j] = rng.nextDouble() < p ? 0.0 : keep;
    }
}
