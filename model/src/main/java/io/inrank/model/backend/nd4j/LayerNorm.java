package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/** LayerNorm over the last dimension: y = (x − μ)·rstd·γ + β, rstd = 1/√(σ² + eps), σ² the biased variance. */
public final class LayerNorm {
    private LayerNorm() {}

    /** x, y [N, C]; mean, rstd [N] are saved for backward. */
    public static void forward(
            INDArray x, INDArray gamma, INDArray beta, double eps, INDArray y, INDArray mean, INDArray rstd) {
        // float32 with the vector module: LayerNormVector (checked first so that class loads only then)
        if (RowProducts.AVAILABLE
                && Flat.vectorReadable(x)
                && Flat.vectorReadable(y)
                && Flat.vectorReadable(gamma)
                && Flat.vectorReadable(beta)
                && mean.dataType() == rstd.dataType()
                && mean.dataType() == x.dataType()) {
            LayerNormVector.forward(x, gamma, beta, eps, y, mean, rstd);
            return;
        }
        int n = (int) x.size(0), c = (int) x.size(1);
        Flat fx = new Flat(x),
                fy = new Flat(y),
                fg = new Flat(gamma),
                fb = new Flat(beta),
                fm = new Flat(mean),
                fr = new Flat(rstd);
        // rows are independent: split across the team once there are a few thousand values
        WorkerTeam.SHARED.forRanges(n, Math.max(1, 4096 / Math.max(1, c)), (from, to) -> {
            for (long i = from; i < to; i++) normaliseRow(fx, fy, fg, fb, fm, fr, i, c, eps);
        });
    }

    private static void normaliseRow(Flat fx, Flat fy, Flat fg, Flat fb, Flat fm, Flat fr, long i, int c, double eps) {
        long row = i * c;
        double m = 0;
        for (int j = 0; j < c; j++) m += fx.get(row + j);
        m /= c;
        double v = 0;
        for (int j = 0; j < c; j++) {
            double d = fx.get(row + j) - m;
            v += d * d;
        }
        v /= c;
        double r = 1.0 / Math.sqrt(v + eps);
        for (int j = 0; j < c; j++) fy.set(row + j, (fx.get(row + j) - m) * r * fg.get(j) + fb.get(j));
        fm.set(i, m);
        fr.set(i, r);
    }

    /**
     * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ and x̂ the normalised input; dγ += Σ dy·x̂; dβ += Σ dy.
     * dx is overwritten.
     */
    public static void backward(
            INDArray dy,
            INDArray x,
            INDArray gamma,
            INDArray mean,
            INDArray rstd,
            INDArray dx,
            INDArray dgamma,
            INDArray dbeta) {
        int n = (int) x.size(0), c = (int) x.size(1);
        Flat fdy = new Flat(dy), fx = new Flat(x), fg = new Flat(gamma), fm = new Flat(mean), fr = new Flat(rstd);
        Flat fdx = new Flat(dx), fdg = new Flat(dgamma), fdb = new Flat(dbeta);
        for (int i = 0; i < n; i++) {
            long row = (long) i * c;
            double m = fm.get(i), r = fr.get(i);
            double meanG = 0, meanGX = 0;
            for (int j = 0; j < c; j++) {
                double xh = (fx.get(row + j) - m) * r;
                double g = fdy.get(row + j) * fg.get(j);
                meanG += g;
                meanGX += g * xh;
            }
            meanG /= c;
            meanGX /= c;
            for (int j = 0; j < c; j++) {
                double xh = (fx.get(row + j) - m) * r;
                double d = fdy.get(row + j);
                fdg.add(j, d * xh);
                fdb.add(j, d);
                fdx.set(row + j, r * (d * fg.get(j) - meanG - xh * meanGX));
            }
        }
    }
}
