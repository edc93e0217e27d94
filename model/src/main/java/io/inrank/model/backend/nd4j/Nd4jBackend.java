package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.AdamWStep;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.DropoutKey;
import io.inrank.model.backend.Tensor;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The CPU backend ({@code nd4j}): ND4J (nd4j-native, OpenBLAS) for GEMMs and LAPACK; loop kernels over native memory
 * for the rest, float32 hot paths on the Vector API, split over the {@link WorkerTeam}.
 */
public final class Nd4jBackend implements Backend {

    public static final Nd4jBackend INSTANCE = new Nd4jBackend();

    private Nd4jBackend() {}

    @Override
    public String name() {
        return "nd4j";
    }

    /** The INDArray behind a handle (ND4J-specific code and tests). */
    public static INDArray array(Tensor t) {
        if (t == null) return null;
        if (t instanceof Nd4jTensor n) return n.array();
        if (t instanceof Nd4jInferenceWeight)
            throw new IllegalArgumentException("an inference copy is only a weight of linearForward/inRankForward");
        throw new IllegalArgumentException(
                "not an nd4j-backend tensor: " + t.getClass().getName());
    }

    public static Tensor wrap(INDArray a) {
        return new Nd4jTensor(a);
    }

    private static INDArray a(Tensor t) {
        return array(t);
    }

    @Override
    public Tensor zeros(DType t, long... shape) {
        return wrap(Nd4j.zeros(Nd4jTensor.of(t), shape));
    }

    @Override
    public Tensor ones(DType t, long... shape) {
        return wrap(Nd4j.ones(Nd4jTensor.of(t), shape));
    }

    @Override
    public Tensor view(Tensor flat, long offset, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return wrap(a(flat).reshape(a(flat).length())
                .get(NDArrayIndex.interval(offset, offset + n))
                .reshape('c', shape));
    }

    @Override
    public Tensor rows(Tensor m, int k) {
        return wrap(a(m).get(NDArrayIndex.interval(0, k), NDArrayIndex.all()));
    }

    @Override
    public Tensor prefix(Tensor flat, long rows, long cols) {
        return wrap(a(flat).get(NDArrayIndex.interval(0, rows * cols)).reshape('c', rows, cols));
    }

    @Override
    public void fill(Tensor t, double v) {
        a(t).assign(v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        a(dst).assign(a(src));
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        Blas.addInPlace(a(dst), a(src));
    }

    @Override
    public void scale(Tensor t, double s) {
        a(t).muli(s);
    }

    /** ‖t‖₂ of a whole flat buffer without allocating (fixed chunking, so the sum order never changes). */
    @Override
    public double norm2(Tensor t) {
        INDArray x = a(t);
        if (x.data().offset() != 0 || x.length() > Integer.MAX_VALUE)
            return x.norm2Number().doubleValue();
        int n = (int) x.length(), chunk = 1 << 18, parts = (n + chunk - 1) / chunk;
        double[] partial = new double[parts];
        if (x.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            FloatBuffer f = floats(x);
            java.util.stream.IntStream.range(0, parts).parallel().forEach(c -> {
                double s = 0;
                for (int i = c * chunk, e = Math.min(n, i + chunk); i < e; i++) s += (double) f.get(i) * f.get(i);
                partial[c] = s;
            });
        } else {
            DoubleBuffer d = doubles(x);
            java.util.stream.IntStream.range(0, parts).parallel().forEach(c -> {
                double s = 0;
                for (int i = c * chunk, e = Math.min(n, i + chunk); i < e; i++) s += d.get(i) * d.get(i);
                partial[c] = s;
            });
        }
        double sum = 0;
        for (double p : partial) sum += p;
        return Math.sqrt(sum);
    }

    @Override
    public double[] toHost(Tensor t) {
        return a(t).dup('c').data().asDouble();
    }

    @Override
    public void fromHost(Tensor t, double[] values) {
        INDArray src = Nd4j.createFromArray(values).castTo(a(t).dataType()).reshape(a(t).shape());
        a(t).assign(src);
    }

    @Override
    public void toHost(Tensor t, double[] out) {
        if (out.length != t.length())
            throw new IllegalArgumentException(out.length + " values for a tensor of " + t.length());
        Flat f = new Flat(a(t));
        for (int i = 0; i < out.length; i++) out[i] = f.get(i);
    }

    @Override
    public void embeddingRows(int[] tokens, int[] positions, int n, Tensor wte, Tensor wpe, Tensor x) {
        Embedding.rows(tokens, positions, n, a(wte), a(wpe), a(x));
    }

    @Override
    public float[] toHostF32(Tensor t) {
        return a(t).dup('c')
                .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                .data()
                .asFloat();
    }

    @Override
    public void fromHostF32(Tensor t, float[] values) {
        a(t).assign(Nd4j.create(values, a(t).shape(), 'c').castTo(a(t).dataType()));
    }

    @Override
    public void matmul(Tensor x, Tensor y, Tensor c, boolean ta, boolean tb, double alpha, double beta) {
        Blas.mm(a(x), a(y), a(c), ta, tb, alpha, beta);
    }

    @Override
    public void embeddingForward(int[] ids, int seq, Tensor wte, Tensor wpe, Tensor x) {
        Embedding.forward(ids, seq, a(wte), a(wpe), a(x));
    }

    @Override
    public void embeddingBackward(Tensor dx, int[] ids, int seq, Tensor dwte, Tensor dwpe) {
        Embedding.backward(a(dx), ids, seq, a(dwte), a(dwpe));
    }

    @Override
    public void layerNormForward(Tensor x, Tensor g, Tensor b, double eps, Tensor y, Tensor mean, Tensor rstd) {
        LayerNorm.forward(a(x), a(g), a(b), eps, a(y), a(mean), a(rstd));
    }

    @Override
    public void layerNormBackward(
            Tensor dy, Tensor x, Tensor g, Tensor mean, Tensor rstd, Tensor dx, Tensor dg, Tensor db) {
        LayerNorm.backward(a(dy), a(x), a(g), a(mean), a(rstd), a(dx), a(dg), a(db));
    }

    @Override
    public void linearForward(Tensor x, Tensor w, Tensor b, Tensor y) {
        if (w instanceof Nd4jInferenceWeight t) Linear.forwardT(a(x), t.transposed(), a(b), a(y));
        else Linear.forward(a(x), a(w), a(b), a(y));
    }

    @Override
    public void linearBackward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db, Tensor ones) {
        Linear.backward(a(dy), a(x), a(w), a(dx), a(dw), a(db), a(ones));
    }

    @Override
    public void inRankForward(Tensor x, Tensor aK, Tensor btK, Tensor b, Tensor h, Tensor y) {
        if (btK instanceof Nd4jInferenceWeight t) InRankLinear.forwardT(a(x), a(aK), t.transposed(), a(b), a(h), a(y));
        else InRankLinear.forward(a(x), a(aK), a(btK), a(b), a(h), a(y));
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
        InRankLinear.backward(a(dy), a(x), a(aK), a(btK), a(h), a(dh), a(dx), a(daK), a(dbtK), a(db), a(ones));
    }

    @Override
    public void geluForward(Tensor x, Tensor y, boolean tanh) {
        Gelu.forward(a(x), a(y), tanh);
    }

    @Override
    public void geluBackward(Tensor dy, Tensor x, Tensor dx, boolean tanh) {
        Gelu.backward(a(dy), a(x), a(dx), tanh);
    }

    @Override
    public void attentionForward(
            Tensor qkv, Tensor y, Tensor lse, int batch, int heads, double scale, double dropout, DropoutKey key) {
        FlashAttention.forward(a(qkv), a(y), a(lse), batch, heads, scale, dropout, key);
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
        FlashAttention.backward(a(dy), a(qkv), a(y), a(lse), a(dqkv), batch, heads, scale, dropout, key);
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
        DecodeAttention.forward(a(qkv), a(kCache), a(vCache), slots, positions, n, heads, scale, a(y));
    }

    /** [N, 1] scratch columns per logits shape, so the loss allocates nothing per step. */
    private final java.util.Map<String, INDArray[]> ceScratch = new java.util.HashMap<>();

    @Override
    public synchronized double crossEntropyForward(Tensor logits, int[] targets) {
        INDArray l = a(logits);
        INDArray[] s = ceScratch.computeIfAbsent(l.dataType() + "/" + l.size(0), k ->
                new INDArray[] {Nd4j.create(l.dataType(), l.size(0), 1), Nd4j.create(l.dataType(), l.size(0), 1)});
        return CrossEntropy.forward(l, targets, s[0], s[1]);
    }

    @Override
    public void crossEntropyBackward(Tensor probs, int[] targets, double dloss) {
        CrossEntropy.backward(a(probs), targets, dloss);
    }

    @Override
    public void dropoutForward(Tensor x, Tensor y, double p, DropoutKey key) {
        Dropout.forward(a(x), a(y), p, key);
    }

    @Override
    public void residualDropoutForward(Tensor residual, Tensor branch, Tensor out, double p, DropoutKey key) {
        Dropout.residual(a(residual), a(branch), a(out), p, key);
    }

    @Override
    public void dropoutBackward(Tensor dy, Tensor dx, double p, DropoutKey key) {
        Dropout.backward(a(dy), a(dx), p, key);
    }

    @Override
    public void adamw(Tensor values, Tensor grads, Tensor m, Tensor v, List<Segment> segments, AdamWStep s) {
        double lr = s.lr(), beta1 = s.beta1(), beta2 = s.beta2(), eps = s.eps();
        double bc1 = s.biasCorrection1(), bc2 = s.biasCorrection2();
        if (values.dtype() == DType.F32) {
            FloatBuffer p = floats(a(values)), g = floats(a(grads)), mm = floats(a(m)), vv = floats(a(v));
            // 1 − β in double, then rounded: 1 − (float) 0.999 is 0.0010000467, 4.7e-5 off (torch also passes 1 − β2 as
            // a double)
            float b1 = (float) beta1,
                    b2 = (float) beta2,
                    ob1 = (float) s.oneMinusBeta1(),
                    ob2 = (float) s.oneMinusBeta2();
            float c1 = (float) (lr / bc1), c2 = (float) (1 / Math.sqrt(bc2)), e = (float) eps;
            float decayOn = (float) s.decayFactor();
            // elementwise, so chunks run on all cores in any order with identical results
            chunksOf(segments).parallelStream().forEach(c -> {
                float decay = c.decay() ? decayOn : 1f;
                for (int i = (int) c.from(); i < c.to(); i++) {
                    float gi = g.get(i);
                    float mi = b1 * mm.get(i) + ob1 * gi;
                    float vi = b2 * vv.get(i) + ob2 * gi * gi;
                    mm.put(i, mi);
                    vv.put(i, vi);
                    p.put(i, p.get(i) * decay - c1 * mi / ((float) Math.sqrt(vi) * c2 + e));
                }
            });
            return;
        }
        DoubleBuffer p = doubles(a(values)), g = doubles(a(grads)), mm = doubles(a(m)), vv = doubles(a(v));
        for (Segment seg : segments) {
            double decay = s.decay(seg.decay());
            for (int i = (int) seg.from(); i < seg.to(); i++) {
                double gi = g.get(i);
                double mi = beta1 * mm.get(i) + s.oneMinusBeta1() * gi;
                double vi = beta2 * vv.get(i) + s.oneMinusBeta2() * gi * gi;
                mm.put(i, mi);
                vv.put(i, vi);
                p.put(i, p.get(i) * decay - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
            }
        }
    }

    /** The chunk list of the last segment list seen (one optimizer: computed once, not per step). */
    private List<Segment> chunkSource;

    private List<Segment> chunkCache;

    private synchronized List<Segment> chunksOf(List<Segment> segments) {
        if (segments != chunkSource) {
            chunkCache = chunks(segments);
            chunkSource = segments;
        }
        return chunkCache;
    }

    private static List<Segment> chunks(List<Segment> segments) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : segments) {
            for (long from = s.from(); from < s.to(); from += 1 << 18)
                out.add(new Segment(from, Math.min(s.to(), from + (1 << 18)), s.decay()));
        }
        return out;
    }

    /** An NIO view of a whole (non-view) flat buffer; asNio() spans the allocation, so views are refused. */
    private static FloatBuffer floats(INDArray x) {
        if (x.data().offset() != 0) throw new IllegalStateException("AdamW buffers must not be views");
        return x.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubles(INDArray x) {
        if (x.data().offset() != 0) throw new IllegalStateException("AdamW buffers must not be views");
        return x.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    @Override
    public double[] singularValues(Tensor aK, Tensor btK) {
        return Spectrum.singularValues(a(aK), a(btK));
    }

    @Override
    public Tensor[] truncate(Tensor aK, Tensor btK, int r) {
        INDArray[] f = Spectrum.truncate(a(aK), a(btK), r);
        return new Tensor[] {wrap(f[0]), wrap(f[1])};
    }

    /** The weight transposed, [out, in]: every decode product becomes a row-dot-product ({@link Nd4jInferenceWeight}). */
    @Override
    public Tensor inferenceCopy(Tensor w) {
        if (a(w).rank() != 2) throw new IllegalArgumentException("2-D weights only, got " + a(w).shapeInfoToString());
        return new Nd4jInferenceWeight(a(w).transpose().dup('c'));
    }

    /**
     * A_k with zero rows and Bt_k transposed with zero columns, padded to a multiple of {@link #MODE_PAD} modes: the
     * padding adds exact zeros (0·0 terms) and keeps every dot product free of a scalar tail (ranks like 254 are not a
     * multiple of a vector's length).
     */
    @Override
    public Tensor[] inferenceFactors(Tensor aK, Tensor btK) {
        int k = (int) aK.size(0), kp = (k + MODE_PAD - 1) / MODE_PAD * MODE_PAD;
        INDArray aPad = Nd4j.zeros(a(aK).dataType(), kp, aK.size(1)),
                btPad = Nd4j.zeros(a(btK).dataType(), kp, btK.size(1));
        aPad.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).assign(a(aK));
        btPad.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).assign(a(btK));
        return new Tensor[] {
            wrap(aPad), new Nd4jInferenceWeight(btPad.transpose().dup('c'))
        };
    }

    /** Modes of inference factors are padded to a multiple of this: the widest vector (AVX-512: 16 floats). */
    static final int MODE_PAD = 16;
}
