package io.inrank.model.backend.nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two register-blocked kernels behind {@link RowProducts}: eight rows of activations against a weight in native
 * memory, with every weight vector loaded once and used for all eight rows (16 accumulators). The weight is read from
 * its ND4J buffer through {@link VectorMemory}; activations and results are heap arrays of 8-row tiles ([8, K] and [8, N]).
 *
 * <p>Plain loops here, no blocking or threads: {@link RowProducts} cuts the weight into cache-sized blocks and parts.
 * Rows past the caller's count are padding: computed and never copied out. The one-row kernels form every sum in the
 * same order as the tiles (FMA is exactly rounded, and {@link #addLanes} adds lanes in order on every JDK, compiled or
 * not), so a sequence's logits are bit-identical whether it decodes alone or in a batch:
 * {@code RowProductsTest} and {@code BatchDecoderTest} hold that.
 */
final class RowKernels {
    private RowKernels() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector (16 with AVX-512, 8 with AVX2). */
    static final int L = S.length();
    /** Columns per register tile of {@link #timesW}. */
    static final int COLS = 2 * L;

    /**
     * c[0:8, j0:j1] (+)= x[0:8, k0:k1] · W[k0:k1, j0:j1], W row-major [K, N] starting at byte wOff of w; x is [8, K] at
     * x[xOff], c is [8, N] at c[cOff]. With accumulate false the sum starts from zero.
     */
    static void timesW(
            float[] x,
            int xOff,
            int K,
            VectorMemory w,
            int wOff,
            int N,
            float[] c,
            int cOff,
            int j0,
            int j1,
            int k0,
            int k1,
            boolean accumulate) {
        int j = j0;
        for (; j + COLS <= j1; j += COLS) {
            int c0 = cOff + j,
                    c1 = c0 + N,
                    c2 = c1 + N,
                    c3 = c2 + N,
                    c4 = c3 + N,
                    c5 = c4 + N,
                    c6 = c5 + N,
                    c7 = c6 + N;
            FloatVector z = FloatVector.zero(S);
            FloatVector a00 = z,
                    a01 = z,
                    a10 = z,
                    a11 = z,
                    a20 = z,
                    a21 = z,
                    a30 = z,
                    a31 = z,
                    a40 = z,
                    a41 = z,
                    a50 = z,
                    a51 = z,
                    a60 = z,
                    a61 = z,
                    a70 = z,
                    a71 = z;
            if (accumulate) {
                a00 = load(c, c0);
                a01 = load(c, c0 + L);
                a10 = load(c, c1);
                a11 = load(c, c1 + L);
                a20 = load(c, c2);
                a21 = load(c, c2 + L);
                a30 = load(c, c3);
                a31 = load(c, c3 + L);
                a40 = load(c, c4);
                a41 = load(c, c4 + L);
                a50 = load(c, c5);
                a51 = load(c, c5 + L);
                a60 = load(c, c6);
                a61 = load(c, c6 + L);
                a70 = load(c, c7);
                a71 = load(c, c7 + L);
            }
            for (int k = k0; k < k1; k++) {
                int wAt = wOff + 4 * (k * N + j), xk = xOff + k;
                FloatVector w0 = w.load(S, wAt), w1 = w.load(S, wAt + 4 * L);
                FloatVector b = FloatVector.broadcast(S, x[xk]);
                a00 = w0.fma(b, a00);
                a01 = w1.fma(b, a01);
                b = FloatVector.broadcast(S, x[xk + K]);
                a10 = w0.fma(b, a10);
                a11 = w1.fma(b, a11);
                b = FloatVector.broadcast(S, x[xk + 2 * K]);
                a20 = w0.fma(b, a20);
                a21 = w1.fma(b, a21);
                b = FloatVector.broadcast(S, x[xk + 3 * K]);
                a30 = w0.fma(b, a30);
                a31 = w1.fma(b, a31);
                b = FloatVector.broadcast(S, x[xk + 4 * K]);
                a40 = w0.fma(b, a40);
                a41 = w1.fma(b, a41);
                b = FloatVector.broadcast(S, x[xk + 5 * K]);
                a50 = w0.fma(b, a50);
                a51 = w1.fma(b, a51);
                b = FloatVector.broadcast(S, x[xk + 6 * K]);
                a60 = w0.fma(b, a60);
                a61 = w1.fma(b, a61);
                b = FloatVector.broadcast(S, x[xk + 7 * K]);
                a70 = w0.fma(b, a70);
                a71 = w1.fma(b, a71);
            }
            a00.intoArray(c, c0);
            a01.intoArray(c, c0 + L);
            a10.intoArray(c, c1);
            a11.intoArray(c, c1 + L);
            a20.intoArray(c, c2);
            a21.intoArray(c, c2 + L);
            a30.intoArray(c, c3);
            a31.intoArray(c, c3 + L);
            a40.intoArray(c, c4);
            a41.intoArray(c, c4 + L);
            a50.intoArray(c, c5);
            a51.intoArray(c, c5 + L);
            a60.intoArray(c, c6);
            a61.intoArray(c, c6 + L);
            a70.intoArray(c, c7);
            a71.intoArray(c, c7 + L);
        }
        if (j < j1) { // columns past the last full register tile
            for (int r = 0; r < 8; r++)
                rowTimesW(x, xOff + r * K, w, wOff, N, c, cOff + r * N, j, j1, k0, k1, accumulate);
        }
    }

    /**
     * c[0:8, n0:n1] = x[0:8, :] · W[n0:n1, :]ᵀ, W row-major [N, K] starting at byte wOff of w (the LM head's [V, C]
     * embedding, the first InRank factor's [r, in] rows): two weight rows at a time, dot products over K.
     */
    static void timesWt(
            float[] x, int xOff, int K, VectorMemory w, int wOff, int N, float[] c, int cOff, int n0, int n1) {
        int kv = K - K % L, n = n0;
        for (; n + 2 <= n1; n += 2) {
            FloatVector z = FloatVector.zero(S);
            FloatVector a00 = z,
                    a01 = z,
                    a10 = z,
                    a11 = z,
                    a20 = z,
                    a21 = z,
                    a30 = z,
                    a31 = z,
                    a40 = z,
                    a41 = z,
                    a50 = z,
                    a51 = z,
                    a60 = z,
                    a61 = z,
                    a70 = z,
                    a71 = z;
            int r0 = wOff + 4 * n * K, r1 = r0 + 4 * K;
            for (int k = 0; k < kv; k += L) {
                FloatVector w0 = w.load(S, r0 + 4 * k), w1 = w.load(S, r1 + 4 * k);
                int xk = xOff + k;
                FloatVector v = load(x, xk);
                a00 = w0.fma(v, a00);
                a01 = w1.fma(v, a01);
                v = load(x, xk + K);
                a10 = w0.fma(v, a10);
                a11 = w1.fma(v, a11);
                v = load(x, xk + 2 * K);
                a20 = w0.fma(v, a20);
                a21 = w1.fma(v, a21);
                v = load(x, xk + 3 * K);
                a30 = w0.fma(v, a30);
                a31 = w1.fma(v, a31);
                v = load(x, xk + 4 * K);
                a40 = w0.fma(v, a40);
                a41 = w1.fma(v, a41);
                v = load(x, xk + 5 * K);
                a50 = w0.fma(v, a50);
                a51 = w1.fma(v, a51);
                v = load(x, xk + 6 * K);
                a60 = w0.fma(v, a60);
                a61 = w1.fma(v, a61);
                v = load(x, xk + 7 * K);
                a70 = w0.fma(v, a70);
                a71 = w1.fma(v, a71);
            }
            finish(x, xOff + 0 * K, K, w, r0, r1, kv, c, cOff + 0 * N + n, addLanes(a00), addLanes(a01));
            finish(x, xOff + 1 * K, K, w, r0, r1, kv, c, cOff + 1 * N + n, addLanes(a10), addLanes(a11));
            finish(x, xOff + 2 * K, K, w, r0, r1, kv, c, cOff + 2 * N + n, addLanes(a20), addLanes(a21));
            finish(x, xOff + 3 * K, K, w, r0, r1, kv, c, cOff + 3 * N + n, addLanes(a30), addLanes(a31));
            finish(x, xOff + 4 * K, K, w, r0, r1, kv, c, cOff + 4 * N + n, addLanes(a40), addLanes(a41));
            finish(x, xOff + 5 * K, K, w, r0, r1, kv, c, cOff + 5 * N + n, addLanes(a50), addLanes(a51));
            finish(x, xOff + 6 * K, K, w, r0, r1, kv, c, cOff + 6 * N + n, addLanes(a60), addLanes(a61));
            finish(x, xOff + 7 * K, K, w, r0, r1, kv, c, cOff + 7 * N + n, addLanes(a70), addLanes(a71));
        }
        if (n < n1) { // an odd last weight row
            for (int r = 0; r < 8; r++) rowTimesWt(x, xOff + r * K, K, w, wOff, c, cOff + r * N, n, n1);
        }
    }

    /**
     * One row of {@link #timesW}: c[j0:j1] (+)= x[k0:k1] · W[k0:k1, j0:j1]. Every sum is formed exactly as in the tile
     * (k ascending, one fused multiply-add per term, from zero), so a row's result does not depend on how many rows
     * share its step. Register strips down the block, like the tile: the block should be in cache.
     */
    static void rowTimesW(
            float[] x,
            int xOff,
            VectorMemory w,
            int wOff,
            int N,
            float[] c,
            int cOff,
            int j0,
            int j1,
            int k0,
            int k1,
            boolean accumulate) {
        int j = j0;
        for (; j + COLS <= j1; j += COLS) {
            FloatVector a0 = accumulate ? load(c, cOff + j) : FloatVector.zero(S),
                    a1 = accumulate ? load(c, cOff + j + L) : FloatVector.zero(S);
            for (int k = k0; k < k1; k++) {
                int wAt = wOff + 4 * (k * N + j);
                FloatVector b = FloatVector.broadcast(S, x[xOff + k]);
                a0 = w.load(S, wAt).fma(b, a0);
                a1 = w.load(S, wAt + 4 * L).fma(b, a1);
            }
            a0.intoArray(c, cOff + j);
            a1.intoArray(c, cOff + j + L);
        }
        for (; j < j1; j++) {
            float t = accumulate ? c[cOff + j] : 0f;
            for (int k = k0; k < k1; k++) t = Math.fma(x[xOff + k], w.getFloat(wOff + 4 * (k * N + j)), t);
            c[cOff + j] = t;
        }
    }

    /**
     * One row of {@link #timesWt}: c[n0:n1] = x · W[n0:n1, :]ᵀ, each dot product formed exactly as in the tile (lane
     * sums over whole vectors, their ordered reduction, then the K % L tail).
     */
    static void rowTimesWt(float[] x, int xOff, int K, VectorMemory w, int wOff, float[] c, int cOff, int n0, int n1) {
        int kv = K - K % L;
        for (int n = n0; n < n1; n++) {
            int rn = wOff + 4 * n * K;
            FloatVector a = FloatVector.zero(S);
            for (int k = 0; k < kv; k += L) a = w.load(S, rn + 4 * k).fma(load(x, xOff + k), a);
            float t = addLanes(a);
            for (int k = kv; k < K; k++) t = Math.fma(x[xOff + k], w.getFloat(rn + 4 * k), t);
            c[cOff + n] = t;
        }
    }

    /**
     * A row's two dot products: the vector sums (reduced by the caller: vectors never cross a call, where a missed
     * inlining would box them) plus the K % L tail.
     */
    private static void finish(
            float[] x, int xi, int K, VectorMemory w, int r0, int r1, int kv, float[] c, int ci, float t0, float t1) {
        for (int k = kv; k < K; k++) {
            t0 = Math.fma(x[xi + k], w.getFloat(r0 + 4 * k), t0);
            t1 = Math.fma(x[xi + k], w.getFloat(r1 + 4 * k), t1);
        }
        c[ci] = t0;
        c[ci + 1] = t1;
    }

    /**
     * The sum of v's lanes, added left to right in float. Not {@code reduceLanes(ADD)}: the Vector API leaves a float
     * XX
     * so a kernel's bits changed with the JIT's state (a batched row then differed from the same row alone). This is
     * the order Java 17's intrinsic used, on every JDK.
     */
    static float addLanes(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < L; i++) s += v.lane(i);
        return s;
    }

    private static FloatVector load(float[] a, int i) {
        return FloatVector.fromArray(S, a, i);
    }
}
