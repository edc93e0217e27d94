package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.DropoutKey;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link FlashAttention} in float32 on the Vector API (same contract, same math; checked against the reference backend
 * by the conformance suite). Per (batch, head) the task copies q, k, v into per-thread arrays and also K and V
 * transposed, [hd, T'] with T' the sequence rounded up to whole vectors, so that the scores of L consecutive keys
 * (s_ij = q_i·k_j) and the products dy_i·v_j are hd broadcast FMAs, with no lane reductions; the sums over keys
 * (y_i, dq_i, dk_j, dv_j) are FMAs along contiguous rows. Positions past the query row get a score of −∞, so exp
 * gives them exactly 0 and whole vectors can be used throughout.
 */
final class FlashAttentionVector {
    private FlashAttentionVector() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final int L = S.length();

    /** The vector module, float32 contiguous arrays, heads a whole number of vectors wide. */
    static boolean accepts(INDArray a, INDArray b, INDArray lse, int hd) {
        return RowProducts.AVAILABLE
                && hd % L == 0
                && Flat.vectorReadable(a)
                && Flat.vectorReadable(b)
                && Flat.vectorReadable(lse);
    }

    static void forward(
            INDArray qkv,
            INDArray y,
            INDArray lse,
            int batch,
            int heads,
            int seq,
            double scale,
            double dropout,
            DropoutKey key) {
        int c = (int) y.size(1), hd = c / heads;
        Flat fq = new Flat(qkv), fy = new Flat(y), fl = new Flat(lse);
        long threshold = dropout > 0 ? DropoutKey.threshold(dropout) : 0;
        float sc = (float) scale, keep = (float) (1 / (1 - dropout));
        WorkerTeam.SHARED.forRanges((long) batch * heads, 1, (from, to) -> {
            Scratch w = Scratch.get(seq, hd);
            for (long bh = from; bh < to; bh++) {
                int b = (int) (bh / heads), h = (int) (bh % heads);
                w.gather(fq, b, h, seq, c, hd, false);
                for (int i = 0; i < seq; i++) {
                    int len = i + 1, tiles = (len + L - 1) / L;
                    rowProducts(w.q, i * hd, w.kt, w.tp, hd, tiles, sc, w.s);
                    for (int u = len; u < tiles * L; u++) w.s[u] = Float.NEGATIVE_INFINITY;
                    FloatVector mv = FloatVector.fromArray(S, w.s, 0);
                    for (int u = L; u < len; u += L) mv = mv.max(FloatVector.fromArray(S, w.s, u));
                    float max = mv.reduceLanes(VectorOperators.MAX);
                    FloatVector sum = FloatVector.zero(S);
                    for (int u = 0; u < len; u += L) {
                        FloatVector e =
                                VectorExp.exp(FloatVector.fromArray(S, w.s, u).sub(max));
                        e.intoArray(w.p, u);
                        sum = sum.add(e);
                    }
                    float total = RowKernels.addLanes(sum), inv = 1f / total;
                    fl.set(bh * seq + i, max + Math.log(total));
                    mask(key, (bh * seq + i) * seq, len, threshold, keep, w);
                    for (int u = 0; u < len; u += L) {
                        FloatVector.fromArray(S, w.p, u)
                                .mul(inv)
                                .mul(FloatVector.fromArray(S, w.m, u))
                                .intoArray(w.p, u);
                    }
                    long out = (long) (b * seq + i) * c + h * hd;
                    for (int d = 0; d < hd; d += L) {
                        FloatVector acc = FloatVector.zero(S);
                        for (int u = 0; u < len; u++)
                            acc = FloatVector.fromArray(S, w.v, u * hd + d).fma(FloatVector.broadcast(S, w.p[u]), acc);
                        acc.intoArray(w.row, 0);
                        for (int e = 0; e < L; e++) fy.set(out + d + e, w.row[e]);
                    }
                }
            }
        });
    }

    static void backward(
            INDArray dy,
            INDArray qkv,
            INDArray y,
            INDArray lse,
            INDArray dqkv,
            int batch,
            int heads,
            int seq,
            double scale,
            double dropout,
            DropoutKey key) {
        int c = (int) y.size(1), hd = c / heads;
        Flat fq = new Flat(qkv), fy = new Flat(y), fdy = new Flat(dy), fl = new Flat(lse), fd = new Flat(dqkv);
        long threshold = dropout > 0 ? DropoutKey.threshold(dropout) : 0;
        float sc = (float) scale, keep = (float) (1 / (1 - dropout));
        WorkerTeam.SHARED.forRanges((long) batch * heads, 1, (from, to) -> {
            Scratch w = Scratch.get(seq, hd);
            for (long bh = from; bh < to; bh++) {
                int b = (int) (bh / heads), h = (int) (bh % heads);
                w.gather(fq, b, h, seq, c, hd, true);
                w.gatherOutputs(fy, fdy, b, h, seq, c, hd);
                java.util.Arrays.fill(w.dq, 0, seq * hd, 0f);
                java.util.Arrays.fill(w.dk, 0, seq * hd, 0f);
                java.util.Arrays.fill(w.dv, 0, seq * hd, 0f);
                for (int i = 0; i < seq; i++) {
                    int len = i + 1, tiles = (len + L - 1) / L, qi = i * hd;
                    float rowLse = (float) fl.get(bh * seq + i), dSum = 0;
                    for (int d = 0; d < hd; d++) dSum += w.dy[qi + d] * w.y[qi + d];
                    rowProducts(w.q, qi, w.kt, w.tp, hd, tiles, sc, w.s); // scores again
                    rowProducts(w.dy, qi, w.vt, w.tp, hd, tiles, 1f, w.ds); // dy_i·v_j
                    for (int u = len; u < tiles * L; u++) w.s[u] = Float.NEGATIVE_INFINITY;
                    mask(key, (bh * seq + i) * seq, len, threshold, keep, w);
                    for (int u = 0; u < len; u += L) {
                        FloatVector
                                p =
                                        VectorExp.exp(
                                                FloatVector.fromArray(S, w.s, u).sub(rowLse)),
                                m = FloatVector.fromArray(S, w.m, u);
                        FloatVector dp = FloatVector.fromArray(S, w.ds, u).mul(m);
                        p.mul(m).intoArray(w.p, u); // P·M
                        p.mul(dp.sub(dSum)).mul(sc).intoArray(w.ds, u); // dS
                    }
                    for (int u = 0; u < len; u++) {
                        FloatVector pm = FloatVector.broadcast(S, w.p[u]), ds = FloatVector.broadcast(S, w.ds[u]);
                        int ku = u * hd;
                        for (int d = 0; d < hd; d += L) {
                            FloatVector dyi = FloatVector.fromArray(S, w.dy, qi + d),
                                    q = FloatVector.fromArray(S, w.q, qi + d);
                            dyi.fma(pm, FloatVector.fromArray(S, w.dv, ku + d)).intoArray(w.dv, ku + d);
                            q.fma(ds, FloatVector.fromArray(S, w.dk, ku + d)).intoArray(w.dk, ku + d);
                            FloatVector.fromArray(S, w.k, ku + d)
                                    .fma(ds, FloatVector.fromArray(S, w.dq, qi + d))
                                    .intoArray(w.dq, qi + d);
                        }
                    }
                }
                for (int t = 0; t < seq; t++) {
                    long row = (long) (b * seq + t) * 3 * c + h * hd;
                    for (int d = 0; d < hd; d++) {
                        fd.set(row + d, w.dq[t * hd + d]);
                        fd.set(row + c + d, w.dk[t * hd + d]);
                        fd.set(row + 2L * c + d, w.dv[t * hd + d]);
                    }
                }
            }
        });
    }

    /**
     * out[u] = scale·(x[xi, xi + hd)·col u of mt) for the first tiles·L columns of mt [hd, tp]: hd broadcast FMAs per
     * tile, four tiles at a time (independent chains; past the last tile a group repeats it, writing the same values).
     */
    private static void rowProducts(
            float[] x, int xi, float[] mt, int tp, int hd, int tiles, float scale, float[] out) {
        for (int j = 0; j < tiles; j += 4) {
            int j1 = Math.min(j + 1, tiles - 1), j2 = Math.min(j + 2, tiles - 1), j3 = Math.min(j + 3, tiles - 1);
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hd; d++) {
                FloatVector xd = FloatVector.broadcast(S, x[xi + d]);
                int at = d * tp;
                a0 = FloatVector.fromArray(S, mt, at + j * L).fma(xd, a0);
                a1 = FloatVector.fromArray(S, mt, at + j1 * L).fma(xd, a1);
                a2 = FloatVector.fromArray(S, mt, at + j2 * L).fma(xd, a2);
                a3 = FloatVector.fromArray(S, mt, at + j3 * L).fma(xd, a3);
            }
            a0.mul(scale).intoArray(out, j * L);
            a1.mul(scale).intoArray(out, j1 * L);
            a2.mul(scale).intoArray(out, j2 * L);
            a3.mul(scale).intoArray(out, j3 * L);
        }
    }

    /** w.m[0, len) = mask values of elements base … base + len − 1 (1 without dropout); the rest of the last vector 0. */
    private static void mask(DropoutKey key, long base, int len, long threshold, float keep, Scratch w) {
        int end = (len + L - 1) / L * L;
        if (threshold == 0) {
            java.util.Arrays.fill(w.m, 0, len, 1f);
        } else {
            long block = -1;
            for (int j = 0; j < len; j++) {
                long e = base + j;
                if (e >>> 2 != block) key.words(block = e >>> 2, w.words);
                w.m[j] = (w.words[(int) (e & 3)] & 0xFFFFFFFFL) < threshold ? 0f : keep;
            }
        }
        java.util.Arrays.fill(w.m, len, end, 0f);
    }

    /** One thread's copies of a (batch, head) pair's slices: [T, hd] rows, K and V also as [hd, T'] columns. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        float[] q = new float[0],
                k = q,
                v = q,
                y = q,
                dy = q,
                dq = q,
                dk = q,
                dv = q,
                kt = q,
                vt = q,
                s = q,
                p = q,
                ds = q,
                m = q;
        final float[] row = new float[L];
        final int[] words = new int[4];
        int tp;

        static Scratch get(int seq, int hd) {
            Scratch w = PER_THREAD.get();
            int tp = (seq + L - 1) / L * L, n = seq * hd;
            if (w.q.length < n) {
                w.q = new float[n];
                w.k = new float[n];
                w.v = new float[n];
                w.y = new float[n];
                w.dy = new float[n];
                w.dq = new float[n];
                w.dk = new float[n];
                w.dv = new float[n];
            }
            if (w.kt.length < hd * tp) {
                w.kt = new float[hd * tp];
                w.vt = new float[hd * tp];
            }
            if (w.s.length < tp) {
                w.s = new float[tp];
                w.p = new float[tp];
                w.ds = new float[tp];
                w.m = new float[tp];
            }
            w.tp = tp;
            return w;
        }

        /** q, k, v rows of head h of sequence b, and K (and V when {@code transposeV}) as columns; padding columns 0. */
        void gather(Flat qkv, int b, int h, int seq, int c, int hd, boolean transposeV) {
            for (int t = 0; t < seq; t++) {
                long row = (long) (b * seq + t) * 3 * c + h * hd;
                for (int d = 0; d < hd; d++) {
                    float kd = (float) qkv.get(row + c + d), vd = (float) qkv.get(row + 2L * c + d);
                    q[t * hd + d] = (float) qkv.get(row + d);
                    k[t * hd + d] = kd;
                    v[t * hd + d] = vd;
                    kt[d * tp + t] = kd;
                    if (transposeV) vt[d * tp + t] = vd;
                }
            }
            for (int d = 0; d < hd; d++) {
                java.util.Arrays.fill(kt, d * tp + seq, d * tp + tp, 0f);
                java.util.Arrays.fill(vt, d * tp + seq, d * tp + tp, 0f);
            }
        }

        void gatherOutputs(Flat fy, Flat fdy, int b, int h, int seq, int c, int hd) {
            for (int t = 0; t < seq; t++) {
                long row = (long) (b * seq + t) * c + h * hd;
                for (int d = 0; d < hd; d++) {
                    y[t * hd + d] = (float) fy.get(row + d);
                    dy[t * hd + d] = (float) fdy.get(row + d);
                }
            }
        }
    }
}
