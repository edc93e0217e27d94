package io.inrank.model.backend.nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Float32 LayerNorm forward on the Vector API, row by row (the same formula as {@link LayerNorm}: biased variance,
 * two passes), with lane sums in float. Why: a GPT-2-small decode step normalises every row 25 times (two norms per
 * block and the final one), and the scalar loop in double made that a visible share of the step
 * (model/BENCHMARKS.md). A row's arithmetic depends only on its length, so rows give the same bits however many are
 * normalised together.
 */
final class LayerNormVector {
    private LayerNormVector() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final int L = S.length();
    /** x, y [N, C]; gamma, beta [C]; mean, rstd [N] (all FLOAT, contiguous). */
    static void forward(
            INDArray x, INDArray gamma, INDArray beta, double eps, INDArray y, INDArray mean, INDArray rstd) {
        int n = (int) x.size(0), c = (int) x.size(1);
        VectorMemory bx = VectorMemory.of(x),
                by = VectorMemory.of(y),
                bg = VectorMemory.of(gamma),
                bb = VectorMemory.of(beta);
        int xo = off(x), yo = off(y), go = off(gamma), bo = off(beta);
        Flat fm = new Flat(mean), fr = new Flat(rstd);
        float e = (float) eps;
        WorkerTeam.SHARED.forRanges(n, Math.max(1, 4096 / Math.max(1, c)), (from, to) -> {
            for (int i = (int) from; i < to; i++)
                row(bx, xo + 4 * i * c, by, yo + 4 * i * c, bg, go, bb, bo, c, e, fm, fr, i);
        });
    }

    private static int off(INDArray a) {
        return Math.toIntExact(Flat.byteOffset(a));
    }

    /** Normalises row i; its mean and rstd go to fm, fr. */
    private static void row(
            VectorMemory x,
            int xAt,
            VectorMemory y,
            int yAt,
            VectorMemory g,
            int gAt,
            VectorMemory b,
            int bAt,
            int c,
            float eps,
            Flat fm,
            Flat fr,
            int i) {
        int cv = c - c % L;
        FloatVector s = FloatVector.zero(S);
        for (int j = 0; j < cv; j += L) s = s.add(x.load(S, xAt + 4 * j));
        float sum = RowKernels.addLanes(s);
        for (int j = cv; j < c; j++) sum += x.getFloat(xAt + 4 * j);
        float m = sum / c;
        FloatVector v = FloatVector.zero(S);
        for (int j = 0; j < cv; j += L) {
            FloatVector d = x.load(S, xAt + 4 * j).sub(m);
            v = d.fma(d, v);
        }
        float var = RowKernels.addLanes(v);
        for (int j = cv; j < c; j++) {
            float d = x.getFloat(xAt + 4 * j) - m;
            var = Math.fma(d, d, var);
        }
        float r = (float) (1.0 / Math.sqrt(var / c + eps));
        for (int j = 0; j < cv; j += L) {
            FloatVector xh = x.load(S, xAt + 4 * j).sub(m).mul(r);
            y.store(xh.fma(g.load(S, gAt + 4 * j), b.load(S, bAt + 4 * j)), yAt + 4 * j);
        }
        for (int j = cv; j < c; j++) {
            y.putFloat(
                    yAt + 4 * j,
                    Math.fma((x.getFloat(xAt + 4 * j) - m) * r, g.getFloat(gAt + 4 * j), b.getFloat(bAt + 4 * j)));
        }
        fm.set(i, m);
        fr.set(i, r);
    }
}
