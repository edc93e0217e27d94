package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Attention for decoding with key/value caches [slots, context, C] (the contract of
 * {@code Backend.attendCached}): every row's k and v are stored first, then each row attends over its sequence's
 * positions 0..pos. Float32 with the vector module runs {@link CachedAttention} (its own cache layout, rows × heads
 * split over the team); otherwise the caches are row-major (position u of slot s is row s·context + u) and each head
 * is two BLAS GEMVs, rows in order.
 */
final class DecodeAttention {
    private DecodeAttention() {}

    static void forward(
            INDArray qkv,
            INDArray kCache,
            INDArray vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            double scale,
            INDArray y) {
        if (kCache.rank() != 3
                || !java.util.Arrays.equals(kCache.shape(), vCache.shape())
                || kCache.size(2) != y.size(1)) {
            throw new IllegalArgumentException(
                    "caches must be [slots, context, C], got " + java.util.Arrays.toString(kCache.shape()));
        }
        int ctx = (int) kCache.size(1);
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0 || positions[i] >= ctx)
                throw new IllegalArgumentException("position " + positions[i] + " outside a cache of " + ctx);
            if (slots[i] < 0 || slots[i] >= kCache.size(0))
                throw new IllegalArgumentException("slot " + slots[i] + " outside " + kCache.size(0));
        }
        // checked first so that the vector class loads only with its module
        if (RowProducts.AVAILABLE && CachedAttention.accepts(qkv, kCache, vCache, y, heads)) {
            CachedAttention.forward(qkv, kCache, vCache, slots, positions, n, heads, (float) scale, y);
            return;
        }
        int c = (int) y.size(1), hd = c / heads;
        Flat q = new Flat(qkv), k = new Flat(kCache), v = new Flat(vCache);
        for (int i = 0; i < n; i++) {
            long at = ((long) slots[i] * ctx + positions[i]) * c, src = (long) i * 3 * c;
            for (int j = 0; j < c; j++) {
                k.set(at + j, q.get(src + c + j));
                v.set(at + j, q.get(src + 2L * c + j));
            }
        }
        INDArray p = scores(qkv.dataType(), ctx);
        Flat fp = new Flat(p);
        for (int i = 0; i < n; i++) {
            int len = positions[i] + 1;
            long base = (long) slots[i] * ctx * c;
            for (int h = 0; h < heads; h++) {
                // scores over the cache rows (this head's columns, leading dimension C), softmax, then Σ_u p_u·v_u
                Blas.gemvAt(
                        false,
                        len,
                        hd,
                        c,
                        kCache,
                        base + (long) h * hd,
                        qkv,
                        (long) i * 3 * c + (long) h * hd,
                        scale,
                        p,
                        0);
                double max = Double.NEGATIVE_INFINITY;
                for (int u = 0; u < len; u++) max = Math.max(max, fp.get(u));
                double sum = 0;
                for (int u = 0; u < len; u++) {
                    double e = Math.exp(fp.get(u) - max);
                    fp.set(u, e);
                    sum += e;
                }
                for (int u = 0; u < len; u++) fp.set(u, fp.get(u) / sum);
                Blas.gemvAt(true, len, hd, c, vCache, base + (long) h * hd, p, 0, 1.0, y, (long) i * c + (long) h * hd);
            }
        }
    }

    /** Per-thread scratch for one head's scores (made once, grown rarely). */
    private static final ThreadLocal<INDArray[]> SCORES = ThreadLocal.withInitial(() -> new INDArray[2]);

    private static INDArray scores(org.nd4j.linalg.api.buffer.DataType t, long n) {
        INDArray[] s = SCORES.get();
        int k = t == org.nd4j.linalg.api.buffer.DataType.FLOAT ? 0 : 1;
        if (s[k] == null || s[k].length() < n) s[k] = Nd4j.zeros(t, n);
        return s[k];
    }
}
