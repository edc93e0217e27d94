package io.inrank.model;

import io.inrank.model.backend.Philox;

/**
 * W_0 of the cumulative InRank layer (y = x·W_0 + (x·A_kᵀ)·Bt_k + b): the layer's initialisation, frozen, regenerated
 * from the run's seed and never stored, so a checkpoint holds only the factors and the seed. GPT-2's initialisation
 * (N(0, 0.02) for mlp.c_fc, N(0, 0.02/√(2L)) for mlp.c_proj), drawn by Philox-4x32-10 keyed by the seed with the
 * counter (pair index, layer, tag): any backend, any process, any batch shape gets the same bits.
 *
 * <p>Why GPT-2's init by default and not an orthogonal W_0 (the paper's analysis): with it the cumulative model at
 * step 0 is the dense baseline at step 0 in distribution, so the two arms differ only in how the update is
 * parametrised. {@code cumulative-orthogonal} has the orthogonal one: the same Gaussian draws, rows (or columns, for a
 * tall W_0) orthonormalised by modified Gram–Schmidt in float64, scaled to the Frobenius norm GPT-2's init has in
 * expectation (every singular value std·√max(in, out)), so only the spectrum's shape differs, not its energy. That
 * orthonormalisation is plain Java on the host, 2·C²·4C flops per layer: milliseconds for cpu-small, about a minute for
 * all of gpt2-small's, many minutes for gpt2-large's, paid whenever such a model is built or loaded.
 */
public final class FrozenBase {
    private FrozenBase() {}

    /** Written into a checkpoint's config; a loader refuses another (a W_0 it cannot regenerate). */
    public static final String SCHEME = "philox4x32-10/box-muller/gpt2-normal/v1",
            ORTHOGONAL_SCHEME = "philox4x32-10/box-muller/gpt2-normal/mgs-orthogonal/v1";

    /** The scheme a cumulative mode's W_0 is made by. */
    public static String scheme(GptConfig.Mode mode) {
        return mode == GptConfig.Mode.CUMULATIVE_ORTHOGONAL ? ORTHOGONAL_SCHEME : SCHEME;
    }

    private static final int TAG = 0x57305730; // "W0W0": keeps these draws apart from dropout's counters

    /** The standard deviation of InRank layer {@code layer}'s W_0: fc1 as c_fc, fc2 as c_proj. */
    public static double std(GptConfig cfg, int layer) {
        return layer % 2 == 0 ? 0.02 : 0.02 / Math.sqrt(2.0 * cfg.layers());
    }

    /** W_0 [in, out] row-major of InRank layer {@code layer} (2 per block: fc1, fc2). */
    public static double[] values(GptConfig cfg, long seed, int layer) {
        int c = cfg.dim(), hid = cfg.hidden();
        long n = (long) c * hid;
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("W_0 of " + n + " elements is too large");
        double[] w = normal(seed, layer, (int) n, std(cfg, layer));
        if (cfg.mode() != GptConfig.Mode.CUMULATIVE_ORTHOGONAL) return w;
        boolean fc1 = layer % 2 == 0; // fc1's W_0 is [C, 4C] (wide: orthonormal rows), fc2's [4C, C] (tall: columns)
        int rows = fc1 ? c : hid, cols = fc1 ? hid : c;
        double gain = std(cfg, layer) * Math.sqrt(Math.max(rows, cols));
        return fc1
                ? orthonormalRows(w, rows, cols, gain)
                : transpose(orthonormalRows(transpose(w, rows, cols), cols, rows, gain), cols, rows);
    }

    /** The rows of m [rows, cols] (rows ≤ cols) made orthonormal by modified Gram–Schmidt, then times gain. */
    static double[] orthonormalRows(double[] m, int rows, int cols, double gain) {
        for (int i = 0; i < rows; i++) {
            int oi = i * cols;
            for (int j = 0; j < i; j++) {
                int oj = j * cols;
                double dot = 0;
                for (int k = 0; k < cols; k++) dot += m[oi + k] * m[oj + k];
                for (int k = 0; k < cols; k++) m[oi + k] -= dot * m[oj + k];
            }
            double norm = 0;
            for (int k = 0; k < cols; k++) norm += m[oi + k] * m[oi + k];
            double inv = 1.0 / Math.sqrt(norm);
            for (int k = 0; k < cols; k++) m[oi + k] *= inv;
        }
        for (int i = 0; i < m.length; i++) m[i] *= gain;
        return m;
    }

    private static double[] transpose(double[] m, int rows, int cols) {
        double[] t = new double[m.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
        return t;
    }

    /** n draws of N(0, std): pair j (elements 2j, 2j+1) from one Philox block, two 53-bit uniforms, Box–Muller. */
    static double[] normal(long seed, int layer, int n, double std) {
        double[] out = new double[n];
        int[] w = new int[4];
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        for (int j = 0; 2 * j < n; j++) {
            Philox.block(j, 0, layer, TAG, k0, k1, w);
            double u1 = uniform53(w[0], w[1]), u2 = uniform53(w[2], w[3]);
            double radius = Math.sqrt(-2.0 * Math.log(1.0 - u1)) * std; // 1 − u1 ∈ (0, 1]: no log(0)
            out[2 * j] = radius * Math.cos(2 * Math.PI * u2);
            if (2 * j + 1 < n) out[2 * j + 1] = radius * Math.sin(2 * Math.PI * u2);
        }
        return out;
    }

    /** A uniform in [0, 1) from 53 bits of two words. */
    private static double uniform53(int hi, int lo) {
        long bits = ((hi & 0xFFFFFFFFL) << 21) ^ ((lo & 0xFFFFFFFFL) >>> 11);
        return (bits & ((1L << 53) - 1)) * 0x1.0p-53;
    }
}
