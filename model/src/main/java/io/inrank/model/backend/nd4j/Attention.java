package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Causal multi-head self-attention on the fused qkv projection, written as plain loops (the reference implementation;
 * a GEMM-based version must match it). Logits are scaled by 1/√d_head and, with inverse-layer scaling (the paper's
 * models), by 1/(layer+1).
 */
public final class Attention {
    private Attention() {}

    /** The logit scale for a layer (0-based). */
    public static double scale(int headDim, int layer, boolean scaleByInverseLayer) {
        double s = 1.0 / Math.sqrt(headDim);
        return scaleByInverseLayer ? s / (layer + 1) : s;
    }

    /**
     * @param qkv  [B·T, 3C]: q | k | v, heads contiguous within each
     * @param y    [B·T, C]
     * @param prob [B, H, T, T] softmax probabilities, saved for backward (upper triangle left 0)
     */
    public static void forward(INDArray qkv, INDArray y, INDArray prob, int batch, int seq, int heads, double scale) {
        forward(qkv, y, prob, batch, seq, heads, scale, 0.0, 0L);
    }

    /**
     * @param dropout attention-probability dropout p (0 = none); the probabilities saved in {@code prob} are the
     *                undropped ones, the masks come from {@code seed} ({@link AttnDropout})
     */
    public static void forward(INDArray qkv, INDArray y, INDArray prob, int batch, int seq, int heads, double scale,
                               double dropout, long seed) {
        int c3 = (int) qkv.size(1), c = c3 / 3, hd = c / heads;
        Flat fq = new Flat(qkv), fy = new Flat(y), fp = new Flat(prob);
        double[] row = new double[seq], mask = new double[seq];
        java.util.Arrays.fill(mask, 1.0);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                java.util.SplittableRandom rng = AttnDropout.block(seed, b, h, heads);
                for (int t = 0; t < seq; t++) {
                    long qOff = (long) (b * seq + t) * c3 + h * hd;
                    long pOff = (((long) b * heads + h) * seq + t) * seq;
                    probabilityRow(fq, fp, row, qOff, (long) b * seq * c3 + c + h * hd, c3, hd, t, seq, scale, pOff);
                    if (dropout > 0) AttnDropout.row(rng, t + 1, dropout, mask);
                    weightedValues(fq, fp, fy, mask, pOff, (long) b * seq * c3 + 2 * c + h * hd, c3, hd, t, (long) (b * seq + t) * c + h * hd);
                }
            }
        }
    }

    // The two row loops live in their own methods: their compiled code then does not depend on the caller's branch
    // profile. With them inlined, one evaluation pass (dropout 0) made the JIT recompile forward and training steps
    // ran ~15 % slower for the rest of the run (measured on the tiny preset).

    /** prob[pOff + u] = softmax_u(q·k_u · scale) for u ≤ t, 0 after. */
    private static void probabilityRow(Flat fq, Flat fp, double[] row, long qOff, long kBase, int c3, int hd, int t, int seq,
                                       double scale, long pOff) {
        double max = Double.NEGATIVE_INFINITY;
        for (int u = 0; u <= t; u++) {
            long kOff = kBase + (long) u * c3;
            double s = 0;
            for (int i = 0; i < hd; i++) s += fq.get(qOff + i) * fq.get(kOff + i);
            row[u] = s * scale;
            max = Math.max(max, row[u]);
        }
        double sum = 0;
        for (int u = 0; u <= t; u++) {
            row[u] = Math.exp(row[u] - max);
            sum += row[u];
        }
        for (int u = 0; u < seq; u++) fp.set(pOff + u, u <= t ? row[u] / sum : 0.0);
    }

    /** y[yOff + i] = Σ_{u ≤ t} prob[pOff + u] · mask[u] · v_u[i]. */
    private static void weightedValues(Flat fq, Flat fp, Flat fy, double[] mask, long pOff, long vBase, int c3, int hd, int t, long yOff) {
        for (int i = 0; i < hd; i++) {
            double acc = 0;
            for (int u = 0; u <= t; u++) acc += fp.get(pOff + u) * mask[u] * fq.get(vBase + (long) u * c3 + i);
            fy.set(yOff + i, acc);
        }
    }

    /** dqkv is overwritten. */
    public static void backward(INDArray dy, INDArray qkv, INDArray prob, INDArray dqkv, int batch, int seq, int heads,
                                double scale) {
        backward(dy, qkv, prob, dqkv, batch, seq, heads, scale, 0.0, 0L);
    }

    /** dqkv is overwritten; {@code dropout} and {@code seed} as in the forward. */
    public static void backward(INDArray dy, INDArray qkv, INDArray prob, INDArray dqkv, int batch, int seq, int heads,
                                double scale, double dropout, long seed) {
        int c3 = (int) qkv.size(1), c = c3 / 3, hd = c / heads;
        Flat fdy = new Flat(dy), fq = new Flat(qkv), fp = new Flat(prob), fd = new Flat(dqkv);
        dqkv.assign(0);
        double[] dp = new double[seq], mask = new double[seq];
        java.util.Arrays.fill(mask, 1.0);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                java.util.SplittableRandom rng = AttnDropout.block(seed, b, h, heads);
                for (int t = 0; t < seq; t++) {
                    if (dropout > 0) AttnDropout.row(rng, t + 1, dropout, mask);
                    long pOff = (((long) b * heads + h) * seq + t) * seq;
                    long dyOff = (long) (b * seq + t) * c + h * hd;
                    double dot = 0;
                    for (int u = 0; u <= t; u++) {
                        long vOff = (long) (b * seq + u) * c3 + 2 * c + h * hd;
                        double p = fp.get(pOff + u), s = 0;
                        for (int i = 0; i < hd; i++) {
                            double g = fdy.get(dyOff + i);
                            s += g * fq.get(vOff + i);
                            fd.add(vOff + i, p * mask[u] * g);
                        }
                        dp[u] = s * mask[u];           // gradient through the dropout mask
                        dot += p * dp[u];
                    }
                    long qOff = (long) (b * seq + t) * c3 + h * hd;
                    for (int u = 0; u <= t; u++) {
                        double ds = fp.get(pOff + u) * (dp[u] - dot) * scale;
                        long kOff = (long) (b * seq + u) * c3 + c + h * hd;
                        for (int i = 0; i < hd; i++) {
                            fd.add(qOff + i, ds * fq.get(kOff + i));
                            fd.add(kOff + i, ds * fq.get(qOff + i));
                        }
                    }
                }
            }
        }
    }

    /**
     * One decoding position with a key/value cache: stores position pos's k and v (from qkv [1, 3C]: q | k | v) in the
     * caches [context, C], then y [1, C] = the attention of its q over positions 0..pos. Same arithmetic as
     * {@link #forward} for the last position. Float32 with the vector module runs {@link CachedAttention}, whose caches
     * have their own layout; otherwise the caches are row-major (row u = position u) and each head is two GEMVs.
     */
    public static void forwardCached(INDArray qkv, INDArray kCache, INDArray vCache, int pos, int heads, double scale, INDArray y) {
        // checked first so that the vector class loads only with its module
        if (RowProducts.AVAILABLE && CachedAttention.accepts(qkv, kCache, vCache, y, heads)) {
            CachedAttention.forward(qkv, kCache, vCache, pos, heads, scale, y);
            return;
        }
        int c = (int) y.size(1), hd = c / heads, len = pos + 1;
        if (pos < 0 || pos >= kCache.size(0)) throw new IllegalArgumentException("position " + pos + " outside a cache of " + kCache.size(0));
        Flat q = new Flat(qkv), k = new Flat(kCache), v = new Flat(vCache);
        for (int j = 0; j < c; j++) {
            k.set((long) pos * c + j, q.get(c + j));
            v.set((long) pos * c + j, q.get(2L * c + j));
        }
        INDArray p = scores(qkv.dataType(), kCache.size(0));
        Flat fp = new Flat(p);
        for (int h = 0; h < heads; h++) {
            // scores over the cache (rows of K, this head's columns; leading dimension C), then softmax, then Σ_u p_u·v_u:
            // two BLAS matrix-vector products per head instead of scalar loops (the loops' column walk over V was the
            // largest cost of a batched decode step, and it grows with the context)
            Blas.gemvAt(false, len, hd, c, kCache, (long) h * hd, qkv, (long) h * hd, scale, p, 0);
            double max = Double.NEGATIVE_INFINITY;
            for (int u = 0; u < len; u++) max = Math.max(max, fp.get(u));
            double sum = 0;
            for (int u = 0; u < len; u++) {
                double e = Math.exp(fp.get(u) - max);
                fp.set(u, e);
                sum += e;
            }
            for (int u = 0; u < len; u++) fp.set(u, fp.get(u) / sum);
            Blas.gemvAt(true, len, hd, c, vCache, (long) h * hd, p, 0, 1.0, y, (long) h * hd);
        }
    }

    /** Per-thread scratch for one head's scores (decoding runs on one thread per decoder; made once, grown rarely). */
    private static final ThreadLocal<INDArray[]> SCORES = ThreadLocal.withInitial(() -> new INDArray[2]);

    private static INDArray scores(org.nd4j.linalg.api.buffer.DataType t, long n) {
        INDArray[] s = SCORES.get();
        int k = t == org.nd4j.linalg.api.buffer.DataType.FLOAT ? 0 : 1;
        if (s[k] == null || s[k].length() < n) s[k] = Nd4j.zeros(t, n);
        return s[k];
    }
}
