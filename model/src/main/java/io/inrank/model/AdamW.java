package io.inrank.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * AdamW as torch.optim.AdamW: decoupled weight decay p ← p·(1 − lr·wd) before the Adam step, bias-corrected moments,
 * eps added to √v̂. Decay only on tensors marked for it (weights and InRank factors; not biases, LayerNorm or
 * embeddings). Moments live in two flat buffers with the parameters' layout, so a rank change never moves them.
 */
public final class AdamW {
    private final Params params;
    private final double beta1, beta2, eps, weightDecay;
    private final INDArray m, v;
    private long step;
    private java.util.List<Chunk> chunks;

    /** A range of the flat buffers with one weight-decay setting; big tensors are cut so all cores get work. */
    private record Chunk(int from, int to, boolean decay) {}

    private java.util.List<Chunk> chunks() {
        if (chunks == null) {
            java.util.List<Chunk> out = new java.util.ArrayList<>();
            for (Params.Tensor t : params.all().values()) {
                for (long a = t.offset(), end = t.offset() + t.length(); a < end; a += 1 << 18) {
                    out.add(new Chunk((int) a, (int) Math.min(end, a + (1 << 18)), t.decay()));
                }
            }
            chunks = out;
        }
        return chunks;
    }

    public AdamW(Params params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = Nd4j.zeros(params.dtype(), params.count());
        this.v = Nd4j.zeros(params.dtype(), params.count());
    }

    /** The paper's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.1. */
    public static AdamW paperDefaults(Params p) {
        return new AdamW(p, 0.9, 0.999, 1e-8, 0.1);
    }

    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        if (params.dtype() == org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            FloatBuffer p = floats(params.values()), g = floats(params.grads()), mm = floats(m), vv = floats(v);
            float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (lr / bc1), c2 = (float) (1 / Math.sqrt(bc2)), e = (float) eps;
            float decayOn = (float) (1 - lr * weightDecay);
            // elementwise, so chunks run on all cores in any order with identical results
            chunks().parallelStream().forEach(c -> {
                float decay = c.decay() ? decayOn : 1f;
                for (int i = c.from(); i < c.to(); i++) {
                    float gi = g.get(i);
                    float mi = b1 * mm.get(i) + (1 - b1) * gi;
                    float vi = b2 * vv.get(i) + (1 - b2) * gi * gi;
                    mm.put(i, mi);
                    vv.put(i, vi);
                    p.put(i, p.get(i) * decay - c1 * mi / ((float) Math.sqrt(vi) * c2 + e));
                }
            });
            return;
        }
        DoubleBuffer p = doubles(params.values()), g = doubles(params.grads()), mm = doubles(m), vv = doubles(v);
        for (Params.Tensor t : params.all().values()) {
            double decay = t.decay() ? 1 - lr * weightDecay : 1.0;
            for (int i = (int) t.offset(), end = (int) (t.offset() + t.length()); i < end; i++) {
                double gi = g.get(i);
                double mi = beta1 * mm.get(i) + (1 - beta1) * gi;
                double vi = beta2 * vv.get(i) + (1 - beta2) * gi * gi;
                mm.put(i, mi);
                vv.put(i, vi);
                p.put(i, p.get(i) * decay - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
            }
        }
    }

    /** An NIO view of a whole (non-view) flat buffer; asNio() spans the allocation, so views are refused. */
    private static FloatBuffer floats(INDArray a) {
        if (a.data().offset() != 0) throw new IllegalStateException("AdamW buffers must not be views");
        return a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static DoubleBuffer doubles(INDArray a) {
        if (a.data().offset() != 0) throw new IllegalStateException("AdamW buffers must not be views");
        return a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    }

    public long stepCount() {
        return step;
    }

    /** Continues a step count (a resumed or resized run keeps its bias correction). */
    public void setStepCount(long step) {
        this.step = step;
    }

    /** A new optimizer with the same hyperparameters over other parameters (moments zero). */
    public AdamW like(Params other) {
        return new AdamW(other, beta1, beta2, eps, weightDecay);
    }

    /** The first (or second) moment of one tensor, as a view in the tensor's shape. */
    public INDArray moment(Params.Tensor t, boolean first) {
        return Params.view(first ? m : v, t.offset(), t.length(), t.shape());
    }

    public INDArray firstMoment() {
        return m;
    }

    public INDArray secondMoment() {
        return v;
    }

    /** Scales gradients so their global L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clipGradNorm(Params p, double maxNorm) {
        double norm = p.grads().norm2Number().doubleValue();
        // torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied only when below 1
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) p.grads().muli(coef);
        return norm;
    }
}
