package io.inrank.model.backend.nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;

/**
 * One decode row's attention over its KV cache in float32 on the Vector API, heads split across the
 * {@link WorkerTeam} (a batch's rows are split one level up; a nested call runs its heads inline, in the same order).
 *
 * <p>The caches are laid out for this kernel, head by head, so that every head reads one contiguous stretch of
 * memory and no dot product needs a lane reduction:
 * <ul>
 *   <li>K, head h: positions in tiles of L (the vector width); tile j holds, for each of the head's d dimensions, the
 *   L positions' values: float (h·ctx + j·L)·hd + d·L + u mod L. Scores of L positions are then hd broadcast FMAs.</li>
 *   <li>V, head h: position rows, float (h·ctx + u)·hd + d. Σ pᵤ vᵤ is then FMAs down the rows.</li>
 * </ul>
 * The plain path ({@link Attention#forwardCached}: two BLAS GEMV calls per head, 288 JNI calls per GPT-2-small token,
 * and a scalar {@code Math.exp} per score, ~12 ns on Java 17; {@link VectorExp} does 16 in a few) keeps row-major
 * caches; which layout a cache has is decided by {@link #accepts}, the same answer for its whole life. Every sum is
 * formed in the same order whichever thread runs a head and however many rows share the step, so a sequence's logits
 * are bit-identical alone or batched.
 */
final class CachedAttention {
    private CachedAttention() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /**
     * Whether this path (and its cache layout) takes the arrays: the vector module, FLOAT, contiguous, heads a whole
     * number of vectors wide, a context a whole number of tiles long.
     */
    static boolean accepts(INDArray qkv, INDArray kCache, INDArray vCache, INDArray y, int heads) {
        long c = y.size(1);
        return RowProducts.AVAILABLE && Flat.vectorReadable(qkv) && Flat.vectorReadable(kCache) && Flat.vectorReadable(vCache)
                && Flat.vectorReadable(y) && (c / heads) % L == 0 && kCache.size(0) % L == 0 && kCache.size(1) == c
                && vCache.size(0) == kCache.size(0) && vCache.size(1) == c;
    }

    /** Stores position pos's k and v from qkv [1, 3C], then y = attention of its q over positions 0..pos. */
    static void forward(INDArray qkv, INDArray kCache, INDArray vCache, int pos, int heads, double scale, INDArray y) {
        Job job = Job.PER_THREAD.get();
        job.prepare(qkv, kCache, vCache, pos, heads, (float) scale, y);
        try {
            job.append();
            WorkerTeam.SHARED.run(job.parts, job);
        } finally {
            job.release();
        }
    }

    /** One call's operands (views made once per call, not per head) and the task each part runs: a run of heads. */
    private static final class Job implements IntConsumer {
        static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);
        /** Per team thread (index = part): scores and the query. */
        private float[][] scores = new float[0][], query = new float[0][];

        ByteBuffer q, k, v, out;
        int qOff, kOff, vOff, yOff, c, hd, ctx, pos, heads, parts;
        long kAddress, vAddress;     // of each cache's element 0
        float scale;

        void prepare(INDArray qkv, INDArray kCache, INDArray vCache, int pos, int heads, float scale, INDArray y) {
            q = Flat.bytes(qkv);
            k = Flat.bytes(kCache);
            v = Flat.bytes(vCache);
            out = Flat.bytes(y);
            qOff = Math.toIntExact(Flat.byteOffset(qkv));
            kOff = Math.toIntExact(Flat.byteOffset(kCache));
            vOff = Math.toIntExact(Flat.byteOffset(vCache));
            yOff = Math.toIntExact(Flat.byteOffset(y));
            kAddress = Flat.baseAddress(k) + kOff;
            vAddress = Flat.baseAddress(v) + vOff;
            c = (int) y.size(1);
            hd = c / heads;
            ctx = (int) kCache.size(0);
            if (pos < 0 || pos >= ctx) throw new IllegalArgumentException("position " + pos + " outside a cache of " + ctx);
            this.pos = pos;
            this.heads = heads;
            this.scale = scale;
            parts = Math.min(heads, WorkerTeam.SHARED.size());
            if (scores.length < parts) {
                scores = java.util.Arrays.copyOf(scores, parts);
                query = java.util.Arrays.copyOf(query, parts);
            }
            for (int i = 0; i < parts; i++) {
                if (scores[i] == null || scores[i].length < ctx) scores[i] = new float[ctx];
                if (query[i] == null || query[i].length < hd) query[i] = new float[hd];
            }
        }

        void release() {
            q = k = v = out = null;
        }

        /** Writes position pos's k (one value per tile row) and v (one contiguous row per head). */
        void append() {
            int tileBase = (pos / L) * hd * L + pos % L;
            for (int h = 0; h < heads; h++) {
                int kAt = kOff + 4 * (h * ctx * hd + tileBase), vAt = vOff + 4 * (h * ctx + pos) * hd;
                int kSrc = qOff + 4 * (c + h * hd), vSrc = qOff + 4 * (2 * c + h * hd);
                for (int d = 0; d < hd; d++) k.putFloat(kAt + 4 * d * L, q.getFloat(kSrc + 4 * d));
                for (int d = 0; d < hd; d += L) {
                    FloatVector.fromByteBuffer(S, q, vSrc + 4 * d, NATIVE).intoByteBuffer(v, vAt + 4 * d, NATIVE);
                }
            }
        }

        @Override
        public void accept(int part) {
            int h0 = heads * part / parts, h1 = heads * (part + 1) / parts;
            for (int h = h0; h < h1; h++) {
                head(q, qOff + 4 * h * hd, k, kOff + 4 * h * ctx * hd, kAddress + 4L * h * ctx * hd, v, vOff + 4 * h * ctx * hd,
                        vAddress + 4L * h * ctx * hd, out, yOff + 4 * h * hd, hd, pos + 1, scale, query[part], scores[part]);
            }
        }
    }

    /**
     * One head over len positions: s = scale·(q·kᵤ), p = exp(s − max), y = Σ pᵤ vᵤ / Σ pᵤ. kAt/vAt (and the addresses)
     * are the head's regions; each is first read into cache by a bare line walk (many more misses in flight than the
     * FMA loops keep), then computed on.
     */
    private static void head(ByteBuffer qkv, int qAt, ByteBuffer k, int kAt, long kAddress, ByteBuffer v, int vAt, long vAddress,
                             ByteBuffer out, int yAt, int hd, int len, float scale, float[] qh, float[] p) {
        for (int d = 0; d < hd; d += L) FloatVector.fromByteBuffer(S, qkv, qAt + 4 * d, NATIVE).intoArray(qh, d);
        int tiles = (len + L - 1) / L, tileBytes = 4 * hd * L;
        Flat.touch(kAddress, (long) tiles * tileBytes);
        // four tiles (4·L positions) at a time: independent FMA chains. Past the last tile the group repeats the last
        // one (same sums, written to the same place) instead of a one-chain loop, which is latency-bound.
        for (int j = 0; j < tiles; j += 4) {
            int j1 = Math.min(j + 1, tiles - 1), j2 = Math.min(j + 2, tiles - 1), j3 = Math.min(j + 3, tiles - 1);
            int t0 = kAt + j * tileBytes, t1 = kAt + j1 * tileBytes, t2 = kAt + j2 * tileBytes, t3 = kAt + j3 * tileBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hd; d++) {
                FloatVector qd = FloatVector.broadcast(S, qh[d]);
                int dd = 4 * d * L;
                a0 = FloatVector.fromByteBuffer(S, k, t0 + dd, NATIVE).fma(qd, a0);
                a1 = FloatVector.fromByteBuffer(S, k, t1 + dd, NATIVE).fma(qd, a1);
                a2 = FloatVector.fromByteBuffer(S, k, t2 + dd, NATIVE).fma(qd, a2);
                a3 = FloatVector.fromByteBuffer(S, k, t3 + dd, NATIVE).fma(qd, a3);
            }
            a0.mul(scale).intoArray(p, j * L);
            a1.mul(scale).intoArray(p, j1 * L);
            a2.mul(scale).intoArray(p, j2 * L);
            a3.mul(scale).intoArray(p, j3 * L);
        }
        // softmax over whole tiles: the last tile's positions past len get -inf, so exp gives them exactly 0 (no masks:
        // Java 17 builds a mask from an index range slowly)
        for (int u = len; u < tiles * L; u++) p[u] = Float.NEGATIVE_INFINITY;
        FloatVector mv = FloatVector.fromArray(S, p, 0);
        for (int u = L; u < len; u += L) mv = mv.max(FloatVector.fromArray(S, p, u));
        float max = mv.reduceLanes(VectorOperators.MAX);
        FloatVector sum = FloatVector.zero(S);
        for (int u = 0; u < len; u += L) {
            FloatVector e = VectorExp.exp(FloatVector.fromArray(S, p, u).sub(max));
            e.intoArray(p, u);
            sum = sum.add(e);
        }
        float inv = 1f / sum.reduceLanes(VectorOperators.ADD);
        Flat.touch(vAddress, 4L * len * hd);
        int d = 0, rowBytes = 4 * hd;
        for (; d + 4 * L <= hd; d += 4 * L) {     // four vectors of the head in registers down the rows
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int u = 0; u < len; u++) {
                int at = vAt + u * rowBytes + 4 * d;
                FloatVector w = FloatVector.broadcast(S, p[u]);
                a0 = FloatVector.fromByteBuffer(S, v, at, NATIVE).fma(w, a0);
                a1 = FloatVector.fromByteBuffer(S, v, at + 4 * L, NATIVE).fma(w, a1);
                a2 = FloatVector.fromByteBuffer(S, v, at + 8 * L, NATIVE).fma(w, a2);
                a3 = FloatVector.fromByteBuffer(S, v, at + 12 * L, NATIVE).fma(w, a3);
            }
            int y0 = yAt + 4 * d;
            a0.mul(inv).intoByteBuffer(out, y0, NATIVE);
            a1.mul(inv).intoByteBuffer(out, y0 + 4 * L, NATIVE);
            a2.mul(inv).intoByteBuffer(out, y0 + 8 * L, NATIVE);
            a3.mul(inv).intoByteBuffer(out, y0 + 12 * L, NATIVE);
        }
        for (; d < hd; d += L) {                   // heads narrower than four vectors, or the rest
            FloatVector a = FloatVector.zero(S);
            for (int u = 0; u < len; u++) a = FloatVector.fromByteBuffer(S, v, vAt + u * rowBytes + 4 * d, NATIVE).fma(FloatVector.broadcast(S, p[u]), a);
            a.mul(inv).intoByteBuffer(out, yAt + 4 * d, NATIVE);
        }
    }
}
