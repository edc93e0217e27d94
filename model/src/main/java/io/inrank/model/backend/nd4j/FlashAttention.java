package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.DropoutKey;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Causal multi-head attention that keeps O(B·H·T) state: the forward stores the output and one log-sum-exp per
 * (batch, head, query row); the backward recomputes each row's probabilities from it, row by row, and regenerates the
 * dropout masks from their key (the flash-attention scheme; no [B, H, T, T] array exists, in memory or in scratch).
 * The math, with qkv [B·T, 3C] = q | k | v and head h in columns h·hd … h·hd + hd − 1 of each:
 * <pre>
 *   s_ij = scale·q_i·k_j (j ≤ i)   lse_i = log Σ_j exp(s_ij)   P_ij = exp(s_ij − lse_i)   y_i = Σ_j P_ij·M_ij·v_j
 *   D_i = dy_i·y_i   dS_ij = P_ij·(M_ij·(dy_i·v_j) − D_i)·scale
 *   dq_i = Σ_j dS_ij·k_j   dk_j = Σ_i dS_ij·q_i   dv_j = Σ_i P_ij·M_ij·dy_i
 * </pre>
 * One task per (batch, head), split over the {@link WorkerTeam}; each copies its head's q, k, v into per-thread scratch
 * (a few T×hd arrays), works there and writes its own columns back, so outputs are overwritten and no two tasks touch
 * the same element. Float32 with the vector module runs {@link FlashAttentionVector}; this class is the general path
 * (float64, or no vector module) in double arithmetic.
 */
public final class FlashAttention {
    private FlashAttention() {}

    /** Checks shapes: qkv [B·T, 3C], y [B·T, C], lse B·H·T elements. Returns T. */
    static int seq(INDArray qkv, INDArray y, INDArray lse, int batch, int heads) {
        long rows = qkv.size(0), c = y.size(1);
        if (qkv.size(1) != 3 * c || y.size(0) != rows || rows % batch != 0 || c % heads != 0) {
            throw new IllegalArgumentException("attention shapes: qkv " + java.util.Arrays.toString(qkv.shape())
                    + ", y " + java.util.Arrays.toString(y.shape()) + ", batch " + batch + ", heads " + heads);
        }
        int seq = (int) (rows / batch);
        if (lse.length() != (long) batch * heads * seq)
            throw new IllegalArgumentException("lse needs B·H·T = " + (long) batch * heads * seq + " elements");
        if ((long) batch * heads * seq * seq > DropoutKey.MAX_ELEMENTS)
            throw new IllegalArgumentException("B·H·T² exceeds the dropout counter");
        return seq;
    }

    public static void forward(
            INDArray qkv,
            INDArray y,
            INDArray lse,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        int seq = seq(qkv, y, lse, batch, heads), c = (int) y.size(1), hd = c / heads;
        if (RowProducts.AVAILABLE
                && FlashAttentionVector.accepts(qkv, y, lse, hd)) { // the vector class loads only with its module
            FlashAttentionVector.forward(qkv, y, lse, batch, heads, seq, scale, dropout, key);
            return;
        }
        Flat fq = new Flat(qkv), fy = new Flat(y), fl = new Flat(lse);
        long threshold = dropout > 0 ? DropoutKey.threshold(dropout) : 0;
        WorkerTeam.SHARED.forRanges((long) batch * heads, 1, (from, to) -> {
            Scratch w = Scratch.get(seq, hd);
            for (long bh = from; bh < to; bh++) {
                int b = (int) (bh / heads), h = (int) (bh % heads);
                w.gather(fq, b, h, seq, c, hd);
                for (int i = 0; i < seq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        w.s[j] = scale * dot(w.q, i * hd, w.k, j * hd, hd);
                        max = Math.max(max, w.s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += Math.exp(w.s[j] - max);
                    double rowLse = max + Math.log(sum);
                    fl.set(bh * seq + i, rowLse);
                    mask(key, (bh * seq + i) * seq, i + 1, dropout, threshold, w);
                    for (int j = 0; j <= i; j++) w.s[j] = Math.exp(w.s[j] - rowLse) * w.m[j];
                    long out = (long) (b * seq + i) * c + h * hd;
                    for (int d = 0; d < hd; d++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) acc += w.s[j] * w.v[j * hd + d];
                        fy.set(out + d, acc);
                    }
                }
            }
        });
    }

    /** dqkv overwritten. */
    public static void backward(
            INDArray dy,
            INDArray qkv,
            INDArray y,
            INDArray lse,
            INDArray dqkv,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        int seq = seq(qkv, y, lse, batch, heads), c = (int) y.size(1), hd = c / heads;
        if (RowProducts.AVAILABLE
                && FlashAttentionVector.accepts(qkv, y, lse, hd)
                && FlashAttentionVector.accepts(dqkv, dy, lse, hd)) {
            FlashAttentionVector.backward(dy, qkv, y, lse, dqkv, batch, heads, seq, scale, dropout, key);
            return;
        }
        Flat fq = new Flat(qkv), fy = new Flat(y), fdy = new Flat(dy), fl = new Flat(lse), fd = new Flat(dqkv);
        long threshold = dropout > 0 ? DropoutKey.threshold(dropout) : 0;
        WorkerTeam.SHARED.forRanges((long) batch * heads, 1, (from, to) -> {
            Scratch w = Scratch.get(seq, hd);
            for (long bh = from; bh < to; bh++) {
                int b = (int) (bh / heads), h = (int) (bh % heads);
                w.gather(fq, b, h, seq, c, hd);
                w.gatherOutputs(fy, fdy, b, h, seq, c, hd);
                java.util.Arrays.fill(w.dq, 0, seq * hd, 0);
                java.util.Arrays.fill(w.dk, 0, seq * hd, 0);
                java.util.Arrays.fill(w.dv, 0, seq * hd, 0);
                for (int i = 0; i < seq; i++) {
                    double rowLse = fl.get(bh * seq + i), dSum = dot(w.dy, i * hd, w.y, i * hd, hd);
                    mask(key, (bh * seq + i) * seq, i + 1, dropout, threshold, w);
                    for (int j = 0; j <= i; j++) {
                        double p = Math.exp(scale * dot(w.q, i * hd, w.k, j * hd, hd) - rowLse), m = w.m[j];
                        double ds = p * (m * dot(w.dy, i * hd, w.v, j * hd, hd) - dSum) * scale, pm = p * m;
                        for (int d = 0; d < hd; d++) {
                            w.dv[j * hd + d] += pm * w.dy[i * hd + d];
                            w.dq[i * hd + d] += ds * w.k[j * hd + d];
                            w.dk[j * hd + d] += ds * w.q[i * hd + d];
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

    private static double dot(double[] a, int ai, double[] b, int bi, int n) {
        double s = 0;
        for (int d = 0; d < n; d++) s += a[ai + d] * b[bi + d];
        return s;
    }

    /** w.m[0, len) = the mask values of elements base … base + len − 1 (all 1 without dropout). */
    private static void mask(DropoutKey key, long base, int len, double p, long threshold, Scratch w) {
        if (p == 0) {
            java.util.Arrays.fill(w.m, 0, len, 1.0);
            return;
        }
        double keep = 1.0 / (1.0 - p);
        long block = -1;
        for (int j = 0; j < len; j++) {
            long e = base + j;
            if (e >>> 2 != block) key.words(block = e >>> 2, w.words);
            w.m[j] = (w.words[(int) (e & 3)] & 0xFFFFFFFFL) < threshold ? 0.0 : keep;
        }
    }

    /** One thread's copies of a (batch, head) pair's slices, each [T, hd] row-major, grown when a shape needs more. */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
        double[] q = new double[0], k = q, v = q, y = q, dy = q, dq = q, dk = q, dv = q, s = q, m = q;
        final int[] words = new int[4];

        static Scratch get(int seq, int hd) {
            Scratch w = PER_THREAD.get();
            int n = seq * hd;
            if (w.q.length < n) {
                w.q = new double[n];
                w.k = new double[n];
                w.v = new double[n];
                w.y = new double[n];
                w.dy = new double[n];
                w.dq = new double[n];
                w.dk = new double[n];
                w.dv = new double[n];
            }
            if (w.s.length < seq) {
                w.s = new double[seq];
                w.m = new double[seq];
            }
            return w;
        }

        void gather(Flat qkv, int b, int h, int seq, int c, int hd) {
            for (int t = 0; t < seq; t++) {
                long row = (long) (b * seq + t) * 3 * c + h * hd;
                for (int d = 0; d < hd; d++) {
                    q[t * hd + d] = qkv.get(row + d);
                    k[t * hd + d] = qkv.get(row + c + d);
                    v[t * hd + d] = qkv.get(row + 2L * c + d);
                }
            }
        }

        void gatherOutputs(Flat fy, Flat fdy, int b, int h, int seq, int c, int hd) {
            for (int t = 0; t < seq; t++) {
                long row = (long) (b * seq + t) * c + h * hd;
                for (int d = 0; d < hd; d++) {
                    y[t * hd + d] = fy.get(row + d);
                    dy[t * hd + d] = fdy.get(row + d);
                }
            }
        }
    }
}
