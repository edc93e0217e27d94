package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.DropoutKey;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inverted dropout with counter-based masks ({@link DropoutKey}: the same elements drop on every backend). Nothing is
 * stored: the backward regenerates the mask from the key. Elements go in groups of four, one Philox call each, the
 * groups split over the team (each element's value depends only on its index, so the split changes nothing).
 */
public final class Dropout {
    private Dropout() {}

    /** y = x ⊙ m; p = 0 copies. y may be x. */
    public static void forward(INDArray x, INDArray y, double p, DropoutKey key) {
        apply(null, x, y, p, key);
    }

    /** out = residual + branch ⊙ m; out may be residual. */
    public static void residual(INDArray residual, INDArray branch, INDArray out, double p, DropoutKey key) {
        apply(residual, branch, out, p, key);
    }

    /** dx = dy ⊙ m (the mask of the forward's key); dx may be dy. */
    public static void backward(INDArray dy, INDArray dx, double p, DropoutKey key) {
        apply(null, dy, dx, p, key);
    }

    private static void apply(INDArray residual, INDArray x, INDArray y, double p, DropoutKey key) {
        if (x.length() != y.length() || (residual != null && residual.length() != y.length())) {
            throw new IllegalArgumentException("dropout: sizes differ");
        }
        if (p == 0 && residual == y) { // decoding's residual add: BLAS axpy
            Blas.addInPlace(y, x);
            return;
        }
        Flat fx = new Flat(x), fy = new Flat(y), fr = residual == null ? null : new Flat(residual);
        long n = x.length();
        if (n > DropoutKey.MAX_ELEMENTS) throw new IllegalArgumentException("dropout over more than 2^34 elements");
        if (p == 0) {
            identity(fr, fx, fy, n);
            return;
        }
        long threshold = DropoutKey.threshold(p);
        double keep = 1.0 / (1.0 - p);
        WorkerTeam.SHARED.forRanges((n + 3) / 4, 1 << 12, (from, to) -> {
            int[] w = new int[4];
            for (long block = from; block < to; block++) {
                key.words(block, w);
                for (int lane = 0; lane < 4; lane++) {
                    long i = 4 * block + lane;
                    if (i >= n) break;
                    double m = (w[lane] & 0xFFFFFFFFL) < threshold ? 0.0 : keep;
                    double v = fx.get(i) * m;
                    fy.set(i, fr == null ? v : fr.get(i) + v);
                }
            }
        });
    }

    /**
     * p = 0 (evaluation, decoding) in its own loop: one loop serving both cases gets a mixed branch profile once
     * evaluation has run, and the JIT's recompiled training loop is then slower for the rest of the run
     * (model/BENCHMARKS.md).
     */
    private static void identity(Flat fr, Flat fx, Flat fy, long n) {
        if (fr == null) for (long i = 0; i < n; i++) fy.set(i, fx.get(i));
        else for (long i = 0; i < n; i++) fy.set(i, fr.get(i) + fx.get(i));
    }
}
