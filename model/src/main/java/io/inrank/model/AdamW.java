package io.inrank.model;

import io.inrank.model.backend.AdamWStep;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * AdamW as torch.optim.AdamW: decoupled weight decay p ← p·(1 − lr·wd) before the Adam step, bias-corrected moments,
 * eps added to √v̂. Decay only on tensors marked for it (weights and InRank factors; not biases, LayerNorm or
 * embeddings). Moments live in two flat buffers with the parameters' layout, so a rank change never moves them.
 */
public final class AdamW {
    private final Params params;
    private final Backend be;
    private final double beta1, beta2, eps, weightDecay;
    private final Tensor m, v;
    private final List<Backend.Segment> segments = new ArrayList<>();
    private long step;

    public AdamW(Params params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.be = params.backend();
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = be.zeros(params.dtype(), params.count());
        this.v = be.zeros(params.dtype(), params.count());
        for (Params.Entry t : params.all().values())
            segments.add(new Backend.Segment(t.offset(), t.offset() + t.length(), t.decay()));
    }

    /** The paper's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.1. */
    public static AdamW paperDefaults(Params p) {
        return new AdamW(p, 0.9, 0.999, 1e-8, 0.1);
    }

    public void step(double lr) {
        step++;
        be.adamw(
                params.values(),
                params.grads(),
                m,
                v,
                segments,
                AdamWStep.of(lr, beta1, beta2, eps, weightDecay, step));
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

    public Tensor firstMoment() {
        return m;
    }

    public Tensor secondMoment() {
        return v;
    }

    /** The first (or second) moment of one tensor, as a view in the tensor's shape. */
    public Tensor moment(Params.Entry t, boolean first) {
        return be.view(first ? m : v, t.offset(), t.shape());
    }

    /** Scales gradients so their global L2 norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clipGradNorm(Params p, double maxNorm) {
        double norm = p.backend().norm2(p.grads());
        // torch.nn.utils.clip_grad_norm_: coefficient max_norm / (norm + 1e-6), applied only when below 1
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) p.backend().scale(p.grads(), coef);
        return norm;
    }
}
