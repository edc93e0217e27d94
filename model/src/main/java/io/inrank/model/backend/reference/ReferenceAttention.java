package io.inrank.model.backend.reference;

import io.inrank.model.backend.DropoutKey;

/**
 * Causal multi-head attention as plain loops, one query row at a time, in the memory-light form: the forward keeps
 * one log-sum-exp per (batch, head, row); the backward recomputes each probability from it. With
 * qkv [B·T, 3C] = q | k | v and head h using columns h·hd … h·hd + hd − 1 of each:
 * <pre>
 *   s_ij = scale · q_i·k_j (j ≤ i)     lse_i = log Σ_j exp(s_ij)     P_ij = exp(s_ij − lse_i)
 *   y_i  = Σ_j P_ij·M_ij·v_j           M = the dropout mask (0 or 1/(1 − p)) of element (b, h, i, j)
 *   D_i  = dy_i·y_i  (= Σ_j P_ij·dP_ij)  dP_ij = M_ij·(dy_i·v_j)  dS_ij = P_ij·(dP_ij − D_i)·scale
 *   dq_i = Σ_j dS_ij·k_j   dk_j += dS_ij·q_i   dv_j += P_ij·M_ij·dy_i
 * </pre>
 */
final class ReferenceAttention {
    private ReferenceAttention() {}

    static void forward(
            RefTensor qkv,
            RefTensor y,
            RefTensor lse,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        int c3 = qkv.cols(), c = c3 / 3, hd = c / heads, seq = qkv.rows() / batch;
        double[] s = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    int q = (b * seq + i) * c3 + h * hd;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        int k = (b * seq + j) * c3 + c + h * hd;
                        double dot = 0;
                        for (int d = 0; d < hd; d++) dot += qkv.get(q + d) * qkv.get(k + d);
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += Math.exp(s[j] - max);
                    double rowLse = max + Math.log(sum);
                    lse.set((b * heads + h) * seq + i, rowLse);
                    for (int j = 0; j <= i; j++)
                        s[j] = Math.exp(s[j] - rowLse) * mask(key, b, h, i, j, heads, seq, dropout); // P·M
                    int out = (b * seq + i) * c + h * hd;
                    for (int d = 0; d < hd; d++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) acc += s[j] * qkv.get((b * seq + j) * c3 + 2 * c + h * hd + d);
                        y.set(out + d, acc);
                    }
                }
            }
        }
    }

    static void backward(
            RefTensor dy,
            RefTensor qkv,
            RefTensor y,
            RefTensor lse,
            RefTensor dqkv,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        int c3 = qkv.cols(), c = c3 / 3, hd = c / heads, seq = qkv.rows() / batch;
        for (int i = 0; i < dqkv.length; i++) dqkv.set(i, 0);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    int q = (b * seq + i) * c3 + h * hd, o = (b * seq + i) * c + h * hd;
                    double rowLse = lse.get((b * heads + h) * seq + i), dSum = 0;
                    for (int d = 0; d < hd; d++) dSum += dy.get(o + d) * y.get(o + d); // D_i
                    for (int j = 0; j <= i; j++) {
                        int k = (b * seq + j) * c3 + c + h * hd, v = k + c;
                        double dot = 0, dyv = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += qkv.get(q + d) * qkv.get(k + d);
                            dyv += dy.get(o + d) * qkv.get(v + d);
                        }
                        double p = Math.exp(scale * dot - rowLse), m = mask(key, b, h, i, j, heads, seq, dropout);
                        double ds = p * (m * dyv - dSum) * scale;
                        for (int d = 0; d < hd; d++) {
                            dqkv.add(v + d, p * m * dy.get(o + d));
                            dqkv.add(q + d, ds * qkv.get(k + d));
                            dqkv.add(k + d, ds * qkv.get(q + d));
                        }
                    }
                }
            }
        }
    }

    private static double mask(DropoutKey key, int b, int h, int i, int j, int heads, int seq, double p) {
        return ReferenceKernels.maskValue(key, (((long) b * heads + h) * seq + i) * seq + j, p);
    }

    /** Decoding: caches [slots, context, C] row-major (position u of slot s at row s·context + u). */
    static void cached(
            RefTensor qkv,
            RefTensor kCache,
            RefTensor vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            double scale,
            RefTensor y) {
        int c = y.cols(), c3 = 3 * c, hd = c / heads, ctx = (int) kCache.shape()[1];
        for (int i = 0; i < n; i++) { // store every row's k and v first
            if (positions[i] < 0 || positions[i] >= ctx)
                throw new IllegalArgumentException("position " + positions[i] + " outside a cache of " + ctx);
            int row = (slots[i] * ctx + positions[i]) * c;
            for (int j = 0; j < c; j++) {
                kCache.set(row + j, qkv.get(i * c3 + c + j));
                vCache.set(row + j, qkv.get(i * c3 + 2 * c + j));
            }
        }
        double[] s = new double[ctx];
        for (int i = 0; i < n; i++) {
            int base = slots[i] * ctx * c, len = positions[i] + 1;
            for (int h = 0; h < heads; h++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < len; u++) {
                    double dot = 0;
                    for (int d = 0; d < hd; d++)
                        dot += qkv.get(i * c3 + h * hd + d) * kCache.get(base + u * c + h * hd + d);
                    s[u] = scale * dot;
                    max = Math.max(max, s[u]);
                }
                double sum = 0;
                for (int u = 0; u < len; u++) sum += s[u] = Math.exp(s[u] - max);
                for (int d = 0; d < hd; d++) {
                    double acc = 0;
                    for (int u = 0; u < len; u++) acc += s[u] * vCache.get(base + u * c + h * hd + d);
                    y.set(i * c + h * hd + d, acc / sum);
                }
            }
        }
    }
}
