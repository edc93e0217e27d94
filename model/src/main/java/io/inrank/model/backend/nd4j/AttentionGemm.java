package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Causal attention with the T×T products as GEMMs per (batch, head): q, k, v are first packed head-major so every
 * operand is a contiguous block, then S = Q·Kᵀ, P = softmax(mask(S·scale)), Y = P·V (and the backward's five GEMMs).
 * Must equal {@link Attention} (the loop reference) — tested in float64.
 */
public final class AttentionGemm {
    private AttentionGemm() {}

    /** Preallocated head-major buffers for one layer shape [batch, heads, seq, headDim] (shared by all layers). */
    public static final class Workspace {
        final int batch, heads, seq, hd;
        final INDArray q, k, v, y, dq, dk, dv, dy, dp, pd, dpMat, pdMat;
        final double[] maskRow;
        /** [buffer][b·H + h] block views, made once (creating ND4J views per call costs native memory). */
        private final INDArray[][] blocks = new INDArray[8][];
        private final java.util.Map<INDArray, INDArray[]> probBlocks = new java.util.IdentityHashMap<>();

        public Workspace(DataType t, int batch, int heads, int seq, int headDim) {
            this.batch = batch;
            this.heads = heads;
            this.seq = seq;
            this.hd = headDim;
            long n = (long) batch * heads * seq * headDim;
            q = Nd4j.create(t, n);
            k = Nd4j.create(t, n);
            v = Nd4j.create(t, n);
            y = Nd4j.create(t, n);
            dq = Nd4j.create(t, n);
            dk = Nd4j.create(t, n);
            dv = Nd4j.create(t, n);
            dy = Nd4j.create(t, n);
            dp = Nd4j.create(t, (long) seq * seq);
            pd = Nd4j.create(t, (long) seq * seq);
            dpMat = dp.reshape('c', new long[]{seq, seq});
            pdMat = pd.reshape('c', new long[]{seq, seq});
            maskRow = new double[seq];
            INDArray[] bufs = {q, k, v, y, dq, dk, dv, dy};
            for (int i = 0; i < bufs.length; i++) {
                blocks[i] = new INDArray[batch * heads];
                for (int bh = 0; bh < batch * heads; bh++) {
                    long off = (long) bh * seq * headDim;
                    blocks[i][bh] = bufs[i].get(NDArrayIndex.interval(off, off + (long) seq * headDim)).reshape('c', new long[]{seq, headDim});
                }
            }
        }

        /** The [T, T] block (b, h) of a layer's probabilities, views made on first use of that array. */
        INDArray probBlock(INDArray prob, int b, int h) {
            INDArray[] pb = probBlocks.computeIfAbsent(prob, p -> {
                INDArray m = p.reshape('c', new long[]{(long) batch * heads * seq, seq});
                INDArray[] out = new INDArray[batch * heads];
                for (int i = 0; i < out.length; i++) out[i] = m.get(NDArrayIndex.interval((long) i * seq, (long) i * seq + seq), NDArrayIndex.all());
                return out;
            });
            return pb[b * heads + h];
        }

        /** Block (b, h) of a head-major buffer as a [seq, hd] matrix. */
        INDArray block(INDArray buf, int b, int h) {
            int i = buf == q ? 0 : buf == k ? 1 : buf == v ? 2 : buf == y ? 3 : buf == dq ? 4 : buf == dk ? 5 : buf == dv ? 6 : buf == dy ? 7 : -1;
            if (i < 0) throw new IllegalArgumentException("not a workspace buffer");
            return blocks[i][b * heads + h];
        }
    }

    /** qkv [B·T, 3C] → head-major q, k, v (or the reverse with {@code unpack}). part: 0 = q, 1 = k, 2 = v. */
    private static void pack(Flat rowMajor, int width, int part, Flat headMajor, Workspace w, boolean unpack) {
        int c = w.heads * w.hd;
        for (int b = 0; b < w.batch; b++) {
            for (int t = 0; t < w.seq; t++) {
                long src = (long) (b * w.seq + t) * width + (long) part * c;
                for (int h = 0; h < w.heads; h++) {
                    long dst = (((long) b * w.heads + h) * w.seq + t) * w.hd;
                    long s = src + (long) h * w.hd;
                    if (unpack) for (int i = 0; i < w.hd; i++) rowMajor.set(s + i, headMajor.get(dst + i));
                    else for (int i = 0; i < w.hd; i++) headMajor.set(dst + i, rowMajor.get(s + i));
                }
            }
        }
    }

    /** Same contract as {@link Attention#forward}. */
    public static void forward(INDArray qkv, INDArray y, INDArray prob, Workspace w, double scale) {
        forward(qkv, y, prob, w, scale, 0.0, 0L);
    }

    /** With attention-probability dropout, masks from {@code seed} exactly as {@link Attention#forward} draws them. */
    public static void forward(INDArray qkv, INDArray y, INDArray prob, Workspace w, double scale, double dropout, long seed) {
        int c3 = (int) qkv.size(1), t = w.seq;
        Flat fqkv = new Flat(qkv);
        pack(fqkv, c3, 0, new Flat(w.q), w, false);
        pack(fqkv, c3, 1, new Flat(w.k), w, false);
        pack(fqkv, c3, 2, new Flat(w.v), w, false);
        Flat fp = new Flat(prob);
        for (int b = 0; b < w.batch; b++) {
            for (int h = 0; h < w.heads; h++) {
                long pOff = ((long) b * w.heads + h) * t * t;
                INDArray p = w.probBlock(prob, b, h);
                Nd4j.gemm(w.block(w.q, b, h), w.block(w.k, b, h), p, false, true, scale, 0.0);
                for (int i = 0; i < t; i++) {                         // causal softmax, row by row
                    long row = pOff + (long) i * t;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) max = Math.max(max, fp.get(row + j));
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        double e = Math.exp(fp.get(row + j) - max);
                        fp.set(row + j, e);
                        sum += e;
                    }
                    double inv = 1 / sum;
                    for (int j = 0; j <= i; j++) fp.set(row + j, fp.get(row + j) * inv);
                    for (int j = i + 1; j < t; j++) fp.set(row + j, 0);
                }
                INDArray used = dropout > 0 ? dropped(fp, pOff, w, AttnDropout.block(seed, b, h, w.heads), dropout) : p;
                Nd4j.gemm(used, w.block(w.v, b, h), w.block(w.y, b, h), false, false, 1.0, 0.0);
            }
        }
        pack(new Flat(y), (int) y.size(1), 0, new Flat(w.y), w, true);
    }

    /** P ⊙ mask of one block into the workspace (mask regenerated row by row from the block's stream). */
    private static INDArray dropped(Flat fp, long pOff, Workspace w, java.util.SplittableRandom rng, double dropout) {
        int t = w.seq;
        Flat fpd = new Flat(w.pd);
        for (int i = 0; i < t; i++) {
            AttnDropout.row(rng, i + 1, dropout, w.maskRow);
            for (int j = 0; j <= i; j++) fpd.set((long) i * t + j, fp.get(pOff + (long) i * t + j) * w.maskRow[j]);
            for (int j = i + 1; j < t; j++) fpd.set((long) i * t + j, 0);
        }
        return w.pdMat;
    }

    /** Same contract as {@link Attention#backward}; uses the packed q, k, v of the forward. */
    public static void backward(INDArray dy, INDArray qkv, INDArray prob, INDArray dqkv, Workspace w, double scale) {
        backward(dy, qkv, prob, dqkv, w, scale, 0.0, 0L);
    }

    public static void backward(INDArray dy, INDArray qkv, INDArray prob, INDArray dqkv, Workspace w, double scale,
                                double dropout, long seed) {
        int t = w.seq;
        pack(new Flat(dy), (int) dy.size(1), 0, new Flat(w.dy), w, false);
        // the forward of another layer may have overwritten the packed q, k, v: pack this layer's again
        Flat fqkv = new Flat(qkv);
        int c3 = (int) qkv.size(1);
        pack(fqkv, c3, 0, new Flat(w.q), w, false);
        pack(fqkv, c3, 1, new Flat(w.k), w, false);
        pack(fqkv, c3, 2, new Flat(w.v), w, false);
        INDArray dp = w.dpMat;
        Flat fdp = new Flat(dp), fp = new Flat(prob);
        for (int b = 0; b < w.batch; b++) {
            for (int h = 0; h < w.heads; h++) {
                long pOff = ((long) b * w.heads + h) * t * t;
                INDArray p = w.probBlock(prob, b, h);
                INDArray dyb = w.block(w.dy, b, h);
                INDArray used = dropout > 0 ? dropped(fp, pOff, w, AttnDropout.block(seed, b, h, w.heads), dropout) : p;
                Nd4j.gemm(used, dyb, w.block(w.dv, b, h), true, false, 1.0, 0.0);   // dV = (P⊙M)ᵀ·dY
                Nd4j.gemm(dyb, w.block(w.v, b, h), dp, false, true, 1.0, 0.0);      // dP = (dY·Vᵀ)⊙M
                if (dropout > 0) {
                    java.util.SplittableRandom rng = AttnDropout.block(seed, b, h, w.heads);
                    for (int i = 0; i < t; i++) {
                        AttnDropout.row(rng, i + 1, dropout, w.maskRow);
                        for (int j = 0; j <= i; j++) fdp.set((long) i * t + j, fdp.get((long) i * t + j) * w.maskRow[j]);
                    }
                }
                for (int i = 0; i < t; i++) {                                       // dS = P ⊙ (dP − Σ P⊙dP) · scale
                    long row = (long) i * t;
                    double dot = 0;
                    for (int j = 0; j <= i; j++) dot += fp.get(pOff + row + j) * fdp.get(row + j);
                    for (int j = 0; j <= i; j++) fdp.set(row + j, fp.get(pOff + row + j) * (fdp.get(row + j) - dot) * scale);
                    for (int j = i + 1; j < t; j++) fdp.set(row + j, 0);
                }
                Nd4j.gemm(dp, w.block(w.k, b, h), w.block(w.dq, b, h), false, false, 1.0, 0.0);  // dQ = dS·K
                Nd4j.gemm(dp, w.block(w.q, b, h), w.block(w.dk, b, h), true, false, 1.0, 0.0);   // dK = dSᵀ·Q
            }
        }
        Flat fd = new Flat(dqkv);
        pack(fd, c3, 0, new Flat(w.dq), w, true);
        pack(fd, c3, 1, new Flat(w.dk), w, true);
        pack(fd, c3, 2, new Flat(w.dv), w, true);
    }
}
