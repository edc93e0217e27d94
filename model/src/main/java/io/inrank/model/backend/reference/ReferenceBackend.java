package io.inrank.model.backend.reference;

import static io.inrank.model.backend.reference.RefTensor.of;

import io.inrank.model.backend.AdamWStep;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The reference backend: every method as plain float64 loops over Java arrays, written to be read — no ND4J, no JNI,
 * no vector tricks (llm.c's CPU reference plays this part there). It is the oracle of the conformance suite that every
 * other backend is checked against, and it runs the model anywhere a JVM runs ({@code --backend reference}),
 * slowly. Float32 tensors store float-rounded values (see {@link RefTensor}); arithmetic is always float64. The only
 * concession to speed: GEMM rows run in parallel (each row is computed alone, so results do not depend on threads).
 */
public final class ReferenceBackend implements Backend {

    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    private ReferenceBackend() {}

    @Override
    public String name() {
        return "reference";
    }

    // ---- memory ----
    @Override
    public Tensor zeros(DType t, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("the reference backend holds at most 2^31 elements per tensor");
        return new RefTensor(new double[(int) n], 0, shape, t);
    }

    @Override
    public Tensor ones(DType t, long... shape) {
        Tensor x = zeros(t, shape);
        fill(x, 1.0);
        return x;
    }

    @Override
    public Tensor view(Tensor flat, long offset, long... shape) {
        RefTensor f = of(flat);
        long n = 1;
        for (long s : shape) n *= s;
        if (offset < 0 || offset + n > f.length)
            throw new IllegalArgumentException("view [" + offset + ", +" + n + ") outside " + f);
        return new RefTensor(f.data, f.offset + (int) offset, shape, f.dtype());
    }

    @Override
    public Tensor rows(Tensor m, int k) {
        RefTensor t = of(m);
        if (k < 0 || k > t.rows()) throw new IllegalArgumentException(k + " rows of " + t);
        return new RefTensor(t.data, t.offset, new long[] {k, t.cols()}, t.dtype());
    }

    @Override
    public Tensor prefix(Tensor flat, long rows, long cols) {
        return view(flat, 0, rows, cols);
    }

    @Override
    public void fill(Tensor t, double v) {
        RefTensor x = of(t);
        for (int i = 0; i < x.length; i++) x.set(i, v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        RefTensor s = of(src), d = of(dst);
        sameLength(s, d);
        double[] tmp = new double[s.length]; // src and dst may overlap
        for (int i = 0; i < s.length; i++) tmp[i] = s.get(i);
        for (int i = 0; i < s.length; i++) d.set(i, tmp[i]);
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        RefTensor d = of(dst), s = of(src);
        sameLength(s, d);
        for (int i = 0; i < d.length; i++) d.set(i, d.get(i) + s.get(i));
    }

    @Override
    public void scale(Tensor t, double s) {
        RefTensor x = of(t);
        for (int i = 0; i < x.length; i++) x.set(i, x.get(i) * s);
    }

    @Override
    public double norm2(Tensor t) {
        RefTensor x = of(t);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x.get(i) * x.get(i);
        return Math.sqrt(s);
    }

    // ---- host transfers ----
    @Override
    public double[] toHost(Tensor t) {
        double[] out = new double[of(t).length];
        toHost(t, out);
        return out;
    }

    @Override
    public void toHost(Tensor t, double[] out) {
        RefTensor x = of(t);
        if (out.length != x.length) throw new IllegalArgumentException(out.length + " values for " + x);
        System.arraycopy(x.data, x.offset, out, 0, x.length);
    }

    @Override
    public float[] toHostF32(Tensor t) {
        RefTensor x = of(t);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) x.get(i);
        return out;
    }

    @Override
    public void fromHost(Tensor t, double[] values) {
        RefTensor x = of(t);
        if (values.length != x.length) throw new IllegalArgumentException(values.length + " values for " + x);
        for (int i = 0; i < x.length; i++) x.set(i, values[i]);
    }

    @Override
    public void fromHostF32(Tensor t, float[] values) {
        RefTensor x = of(t);
        if (values.length != x.length) throw new IllegalArgumentException(values.length + " values for " + x);
        for (int i = 0; i < x.length; i++) x.set(i, values[i]);
    }

    // ---- products ----
    /** c [m, n] = α·op(a)·op(b) + β·c, op(a) [m, k], op(b) [k, n]; β = 0 ignores c's old values (BLAS semantics). */
    @Override
    public void matmul(Tensor ta, Tensor tb, Tensor tc, boolean transA, boolean transB, double alpha, double beta) {
        RefTensor a = of(ta), b = of(tb), c = of(tc);
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        if ((transA ? a.cols() : a.rows()) != m
                || (transB ? b.cols() : b.rows()) != k
                || (transB ? b.rows() : b.cols()) != n) {
            throw new IllegalArgumentException(
                    "matmul shapes: " + a + (transA ? "ᵀ" : "") + " · " + b + (transB ? "ᵀ" : "") + " → " + c);
        }
        int lda = a.cols(), ldb = b.cols();
        IntStream.range(0, m).parallel().forEach(i -> {
            double[] acc = new double[n];
            for (int p = 0; p < k; p++) {
                double aip = transA ? a.data[a.offset + p * lda + i] : a.data[a.offset + i * lda + p];
                if (aip == 0) continue;
                if (transB) for (int j = 0; j < n; j++) acc[j] += aip * b.data[b.offset + j * ldb + p];
                else for (int j = 0; j < n; j++) acc[j] += aip * b.data[b.offset + p * ldb + j];
            }
            for (int j = 0; j < n; j++) c.set(i * n + j, alpha * acc[j] + (beta == 0 ? 0 : beta * c.get(i * n + j)));
        });
    }

    // ---- kernels (ReferenceKernels holds the per-layer loops) ----
    @Override
    public void embeddingForward(int[] ids, int seq, Tensor wte, Tensor wpe, Tensor x) {
        int[] positions = new int[ids.length];
        for (int r = 0; r < ids.length; r++) positions[r] = r % seq;
        embeddingRows(ids, positions, ids.length, wte, wpe, x);
    }

    @Override
    public void embeddingBackward(Tensor dx, int[] ids, int seq, Tensor dwte, Tensor dwpe) {
        ReferenceKernels.embeddingBackward(of(dx), ids, seq, of(dwte), of(dwpe));
    }

    @Override
    public void embeddingRows(int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, Tensor x) {
        ReferenceKernels.embeddingRows(tokens, positions, n, of(wte), of(wpe), of(x));
    }

    @Override
    public void layerNormForward(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd) {
        ReferenceKernels.layerNormForward(of(x), of(gamma), of(beta), eps, of(y), of(mean), of(rstd));
    }

    @Override
    public void layerNormBackward(
            Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ReferenceKernels.layerNormBackward(of(dy), of(x), of(gamma), of(mean), of(rstd), of(dx), of(dgamma), of(dbeta));
    }

    @Override
    public void linearForward(Tensor x, Tensor w, Tensor b, Tensor y) {
        matmul(x, w, y, false, false, 1.0, 0.0); // y = x·w
        addRowVector(of(y), of(b)); //   + b
    }

    @Override
    public void linearBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, Tensor ones) {
        if (dx != null) matmul(dy, w, dx, false, true, 1.0, 0.0); // dx = dy·wᵀ
        matmul(x, dy, dw, true, false, 1.0, 1.0); // dw += xᵀ·dy
        sumRowsInto(of(dy), of(db)); // db += Σ_rows dy
    }

    @Override
    public void inRankForward(Tensor x, Tensor aK, Tensor btK, Tensor b, Tensor h, Tensor y) {
        matmul(x, aK, h, false, true, 1.0, 0.0); // h = x·A_kᵀ      [n, k]
        matmul(h, btK, y, false, false, 1.0, 0.0); // y = h·Bt_k + b  [n, out]
        addRowVector(of(y), of(b));
    }

    @Override
    public void inRankBackward(
            Tensor dy,
            Tensor x,
            Tensor aK,
            Tensor btK,
            Tensor h,
            Tensor dh,
            Tensor dx,
            Tensor daK,
            Tensor dbtK,
            Tensor db,
            Tensor ones) {
        matmul(dy, btK, dh, false, true, 1.0, 0.0); // dh = dy·Bt_kᵀ     [n, k]
        matmul(h, dy, dbtK, true, false, 1.0, 1.0); // dBt_k += hᵀ·dy    [k, out]
        sumRowsInto(of(dy), of(db));
        matmul(dh, x, daK, true, false, 1.0, 1.0); // dA_k += dhᵀ·x     [k, in]
        if (dx != null) matmul(dh, aK, dx, false, false, 1.0, 0.0); // dx = dh·A_k [n, in]
    }

    private static void addRowVector(RefTensor y, RefTensor b) {
        int n = y.rows(), c = y.cols();
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) y.set(i * c + j, y.get(i * c + j) + b.get(j));
    }

    private static void sumRowsInto(RefTensor dy, RefTensor db) {
        int n = dy.rows(), c = dy.cols();
        for (int j = 0; j < c; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += dy.get(i * c + j);
            db.set(j, db.get(j) + s);
        }
    }

    @Override
    public void geluForward(Tensor x, Tensor y, boolean tanh) {
        ReferenceKernels.geluForward(of(x), of(y), tanh);
    }

    @Override
    public void geluBackward(Tensor dy, Tensor x, Tensor dx, boolean tanh) {
        ReferenceKernels.geluBackward(of(dy), of(x), of(dx), tanh);
    }

    @Override
    public void attentionForward(
            Tensor qkv, Tensor y, Tensor lse, int batch, int heads, double scale, double dropout, DropoutKey key) {
        ReferenceAttention.forward(of(qkv), of(y), of(lse), batch, heads, scale, dropout, key);
    }

    @Override
    public void attentionBackward(
            Tensor dy,
            Tensor qkv,
            Tensor y,
            Tensor lse,
            Tensor dqkv,
            int batch,
            int heads,
            double scale,
            double dropout,
            DropoutKey key) {
        ReferenceAttention.backward(of(dy), of(qkv), of(y), of(lse), of(dqkv), batch, heads, scale, dropout, key);
    }

    @Override
    public void attendCached(
            Tensor qkv,
            Tensor kCache,
            Tensor vCache,
            int[] slots,
            int[] positions,
            int n,
            int heads,
            double scale,
            Tensor y) {
        ReferenceAttention.cached(of(qkv), of(kCache), of(vCache), slots, positions, n, heads, scale, of(y));
    }

    @Override
    public double crossEntropyForward(Tensor logits, int[] targets) {
        return ReferenceKernels.crossEntropyForward(of(logits), targets);
    }

    @Override
    public void crossEntropyBackward(Tensor probs, int[] targets, double dloss) {
        ReferenceKernels.crossEntropyBackward(of(probs), targets, dloss);
    }

    @Override
    public void dropoutForward(Tensor x, Tensor y, double p, DropoutKey key) {
        RefTensor in = of(x), out = of(y);
        sameLength(in, out);
        for (int i = 0; i < in.length; i++) out.set(i, in.get(i) * ReferenceKernels.maskValue(key, i, p));
    }

    @Override
    public void residualDropoutForward(Tensor residual, Tensor branch, Tensor out, double p, DropoutKey key) {
        RefTensor r = of(residual), b = of(branch), o = of(out);
        sameLength(r, b);
        sameLength(r, o);
        for (int i = 0; i < o.length; i++) o.set(i, r.get(i) + b.get(i) * ReferenceKernels.maskValue(key, i, p));
    }

    @Override
    public void dropoutBackward(Tensor dy, Tensor dx, double p, DropoutKey key) {
        dropoutForward(dy, dx, p, key); // the mask is linear: the same product
    }

    // ---- optimizer ----
    @Override
    public void adamw(Tensor values, Tensor grads, Tensor m, Tensor v, List<Segment> segments, AdamWStep s) {
        RefTensor p = of(values), g = of(grads), mm = of(m), vv = of(v);
        double beta1 = s.beta1(), beta2 = s.beta2();
        for (Segment seg : segments) {
            double decay = s.decay(seg.decay()); // decoupled weight decay, before the Adam step
            for (int i = (int) seg.from(); i < seg.to(); i++) {
                double gi = g.get(i);
                mm.set(i, beta1 * mm.get(i) + s.oneMinusBeta1() * gi);
                vv.set(i, beta2 * vv.get(i) + s.oneMinusBeta2() * gi * gi);
                double mHat = mm.get(i) / s.biasCorrection1(), vHat = vv.get(i) / s.biasCorrection2();
                p.set(i, p.get(i) * decay - s.lr() * mHat / (Math.sqrt(vHat) + s.eps()));
            }
        }
    }

    // ---- linear algebra ----
    @Override
    public double[] singularValues(Tensor aK, Tensor btK) {
        return ReferenceLinalg.singularValues(of(aK), of(btK));
    }

    @Override
    public Tensor[] truncate(Tensor aK, Tensor btK, int r) {
        double[][] f = ReferenceLinalg.truncate(of(aK), of(btK), r);
        RefTensor a = of(aK), bt = of(btK);
        Tensor na = zeros(a.dtype(), r, a.cols()), nbt = zeros(bt.dtype(), r, bt.cols());
        fromHost(na, f[0]);
        fromHost(nbt, f[1]);
        return new Tensor[] {na, nbt};
    }

    // ---- inference layouts: plain copies ----
    @Override
    public Tensor inferenceCopy(Tensor w) {
        Tensor c = zeros(w.dtype(), w.shape());
        copy(w, c);
        return c;
    }

    @Override
    public Tensor[] inferenceFactors(Tensor aK, Tensor btK) {
        return new Tensor[] {inferenceCopy(aK), inferenceCopy(btK)};
    }

    private static void sameLength(RefTensor a, RefTensor b) {
        if (a.length != b.length) throw new IllegalArgumentException("sizes differ: " + a + " and " + b);
    }
}
