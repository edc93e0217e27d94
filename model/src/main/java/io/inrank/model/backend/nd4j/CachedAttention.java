package io.inrank.model.backend.nd4j;

import java.util.function.IntConsumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Decode rows' attention over their KV caches in float32 on the Vector API, the (row, head) pairs split across the
 * {@link WorkerTeam}.
 *
 * <p>Each slot's region of the caches [slots, context, C] is laid out for this kernel, head by head, so that every head
 * reads one contiguous stretch of memory and no dot product needs a lane reduction:
 * <ul>
 *   <li>K, head h: positions in tiles of L (the vector width); tile j holds, for each of the head's d dimensions, the
 *   L positions' values: float (h·ctx + j·L)·hd + d·L + u mod L. Scores of L positions are then hd broadcast FMAs.</li>
 *   <li>V, head h: position rows, float (h·ctx + u)·hd + d. Σ pᵤ vᵤ is then FMAs down the rows.</li>
 * </ul>
 * The plain path ({@link DecodeAttention}: two BLAS GEMV calls per head and a scalar {@code Math.exp} per score;
 * {@link VectorExp} does 16 in a few) keeps row-major caches; which layout a cache has is decided by {@link #accepts},
 * the same answer for its whole life. Every sum is formed in the same order whichever thread runs a head and however
 * many rows share the step, so a sequence's logits are bit-identical alone or batched.
 */
final class CachedAttention {
    private CachedAttention() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final int L = S.length();
    /**
     * Whether this path (and its cache layout) takes the arrays: the vector module, FLOAT, contiguous, heads a whole
     * number of vectors wide, a context a whole number of tiles long, caches [slots, ctx, C].
     */
    static boolean accepts(INDArray qkv, INDArray kCache, INDArray vCache, INDArray y, int heads) {
        long c = y.size(1);
        return RowProducts.AVAILABLE
                && Flat.vectorReadable(qkv)
                && Flat.vectorReadable(kCache)
                && Flat.vectorReadable(vCache)
                && Flat.vectorReadable(y)
                && (c / heads) % L == 0
                && kCache.rank() == 3
                && kCache.size(1) % L == 0
                && kCache.size(2) == c
                && java.util.Arrays.equals(kCache.shape(), vCache.shape());
    }

    /** Stores each row's k and v at its slot's position, then y[i] = the attention of row i's q over positions 0..pos. */
    static void forward(
            INDArray qkv,
            INDArray kCache,
            INDArray vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            float scale,
            INDArray y) {
        Job job = Job.PER_THREAD.get();
        job.prepare(qkv, kCache, vCache, slots, positions, n, heads, scale, y);
        try {
            for (int i = 0; i < n; i++) job.append(i);
            WorkerTeam.SHARED.run(job.parts, job);
        } finally {
            job.release();
        }
    }

    /** One call's operands (views made once per call, not per head) and the task each part runs: a run of (row, head). */
    private static final class Job implements IntConsumer {
        static final ThreadLocal<Job> PER_THREAD = ThreadLocal.withInitial(Job::new);
        /** Per team thread (index = part): scores and the query. */
        private float[][] scores = new float[0][], query = new float[0][];

        VectorMemory q, k, v, out;
        int qOff, kOff, vOff, yOff, c, hd, ctx, heads, n, parts;
        int[] slots, positions;
        long kAddress, vAddress; // of each cache's element 0
        float scale;

        void prepare(
                INDArray qkv,
                INDArray kCache,
                INDArray vCache,
                int[] slots,
                int[] positions,
                int n,
                int heads,
                float scale,
                INDArray y) {
            q = VectorMemory.of(qkv);
            k = VectorMemory.of(kCache);
            v = VectorMemory.of(vCache);
            out = VectorMemory.of(y);
            qOff = Math.toIntExact(Flat.byteOffset(qkv));
            kOff = Math.toIntExact(Flat.byteOffset(kCache));
            vOff = Math.toIntExact(Flat.byteOffset(vCache));
            yOff = Math.toIntExact(Flat.byteOffset(y));
            kAddress = Flat.baseAddress(k.bytes()) + kOff;
            vAddress = Flat.baseAddress(v.bytes()) + vOff;
            c = (int) y.size(1);
            hd = c / heads;
            ctx = (int) kCache.size(1);
            this.slots = slots;
            this.positions = positions;
            this.n = n;
            this.heads = heads;
            this.scale = scale;
            parts = Math.min(n * heads, WorkerTeam.SHARED.size());
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
            slots = positions = null;
        }

        /** Writes row i's k (one value per tile row) and v (one contiguous row per head) into its slot's region. */
        void append(int i) {
            int pos = positions[i],
                    tileBase = (pos / L) * hd * L + pos % L,
                    region = 4 * slots[i] * ctx * c,
                    row = qOff + 4 * 3 * c * i;
            for (int h = 0; h < heads; h++) {
                int kAt = kOff + region + 4 * (h * ctx * hd + tileBase), vAt = vOff + region + 4 * (h * ctx + pos) * hd;
                int kSrc = row + 4 * (c + h * hd), vSrc = row + 4 * (2 * c + h * hd);
                for (int d = 0; d < hd; d++) k.putFloat(kAt + 4 * d * L, q.getFloat(kSrc + 4 * d));
                for (int d = 0; d < hd; d += L) {
                    v.store(q.load(S, vSrc + 4 * d), vAt + 4 * d);
                }
            }
        }

        @Override
        public void accept(int part) {
            int units = n * heads, u0 = units * part / parts, u1 = units * (part + 1) / parts;
            for (int u = u0; u < u1; u++) {
                int i = u / heads, h = u % heads, region = 4 * slots[i] * ctx * c, head = 4 * h * ctx * hd;
                head(
                        q,
                        qOff + 4 * (3 * c * i + h * hd),
                        k,
                        kOff + region + head,
                        kAddress + region + head,
                        v,
                        vOff + region + head,
                        vAddress + region + head,
                        out,
                        yOff + 4 * (c * i + h * hd),
                        hd,
                        positions[i] + 1,
                        scale,
                        query[part],
                        scores[part]);
            }
        }
    }

    /**
     * One head over len positions: s = scale·(q·kᵤ), p = exp(s − max), y = Σ pᵤ vᵤ / Σ pᵤ. kAt/vAt (and the addresses)
     * are the head's regions; each is first read into cache by a bare line walk (many more misses in flight than the
     * FMA loops keep), then computed on.
     */
    private static void head(
            VectorMemory qkv,
            int qAt,
            VectorMemory k,
            int kAt,
            long kAddress,
            VectorMemory v,
            int vAt,
            long vAddress,
            VectorMemory out,
            int yAt,
            int hd,
            int len,
            float scale,
            float[] qh,
            float[] p) {
        for (int d = 0; d < hd; d += L) qkv.load(S, qAt + 4 * d).intoArray(qh, d);
        int tiles = (len + L - 1) / L, tileBytes = 4 * hd * L;
        Flat.touch(kAddress, (long) tiles * tileBytes);
        // four tiles (4·L positions) at a time: independent FMA chains. Past the last tile the group repeats the last
        // one (same sums, written to the same place) instead of a one-chain loop, which is latency-bound.
        for (int j = 0; j < tiles; j += 4) {
            int j1 = Math.min(j + 1, tiles - 1), j2 = Math.min(j + 2, tiles - 1), j3 = Math.min(j + 3, tiles - 1);
            int t0 = kAt + j * tileBytes,
                    t1 = kAt + j1 * tileBytes,
                    t2 = kAt + j2 * tileBytes,
                    t3 = kAt + j3 * tileBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int d = 0; d < hd; d++) {
                FloatVector qd = FloatVector.broadcast(S, qh[d]);
                int dd = 4 * d * L;
                a0 = k.load(S, t0 + dd).fma(qd, a0);
                a1 = k.load(S, t1 + dd).fma(qd, a1);
                a2 = k.load(S, t2 + dd).fma(qd, a2);
                a3 = k.load(S, t3 + dd).fma(qd, a3);
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
        float inv = 1f / RowKernels.addLanes(sum);
        Flat.touch(vAddress, 4L * len * hd);
        int d = 0, rowBytes = 4 * hd;
        for (; d + 4 * L <= hd; d += 4 * L) { // four vectors of the head in registers down the rows
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int u = 0; u < len; u++) {
                int at = vAt + u * rowBytes + 4 * d;
                FloatVector w = FloatVector.broadcast(S, p[u]);
                a0 = v.load(S, at).fma(w, a0);
                a1 = v.load(S, at + 4 * L).fma(w, a1);
                a2 = v.load(S, at + 8 * L).fma(w, a2);
                a3 = v.load(S, at + 12 * L).fma(w, a3);
            }
            int y0 = yAt + 4 * d;
            out.store(a0.mul(inv), y0);
            out.store(a1.mul(inv), y0 + 4 * L);
            out.store(a2.mul(inv), y0 + 8 * L);
            out.store(a3.mul(inv), y0 + 12 * L);
        }
        for (; d < hd; d += L) { // heads narrower than four vectors, or the rest
            FloatVector a = FloatVector.zero(S);
            for (int u = 0; u < len; u++)
                a = v.load(S, vAt + u * rowBytes + 4 * d).fma(FloatVector.broadcast(S, p[u]), a);
            out.store(a.mul(inv), yAt + 4 * d);
        }
    }
}
