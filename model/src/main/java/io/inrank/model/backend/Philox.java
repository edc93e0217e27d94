package io.inrank.model.backend;

/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based generator, so
 * the random word for any (key, counter) is computed directly, in any order, on any device. Every backend draws
 * dropout masks through {@link DropoutKey}, which maps (seed, step, tensor, element) onto this function, so a CPU and a
 * GPU run drop the same elements. Checked against the published known-answer vectors (PhiloxTest).
 */
public final class Philox {
    private Philox() {}

    private static final long M0 = 0xD2511F53L, M1 = 0xCD9E8D57L;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /** out[0..3] = Philox-4x32-10 of the counter (c0, c1, c2, c3) under the key (k0, k1). */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int round = 0; round < 10; round++) {
            if (round > 0) { // the key is bumped between rounds (Weyl sequence)
                k0 += W0;
                k1 += W1;
            }
            long p0 = M0 * (c0 & 0xFFFFFFFFL), p1 = M1 * (c2 & 0xFFFFFFFFL); // 32×32 → 64-bit products
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }
}
