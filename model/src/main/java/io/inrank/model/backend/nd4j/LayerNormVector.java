package io.inrank.model.backend.nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** x, y [N, C]; gamma, beta [C]; mean, rstd [N] (all FLOAT, contiguous). */
    static void forward(
            INDArray x, INDArray gamma, INDArray beta, double eps, INDArray y, INDArray mean, INDArray rstd) {
        int n = (int) x.size(0), c = (int) x.size(1);
        ByteBuffer bx = Flat.bytes(x), by = Flat.bytes(y), bg = Flat.bytes(gamma), bb = Flat.bytes(beta);
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
            ByteBuffer x,
            int xAt,
            ByteBuffer y,
            int yAt,
            ByteBuffer g,
            int gAt,
            ByteBuffer b,
            int bAt,
            int c,
            float eps,
            Flat fm,
            Flat fr,
            int i) {
        int cv = c - c % L;
        FloatVector s = FloatVector.zero(S);
        for (int j = 0; j < cv; j += L) s = s.add(FloatVector.fromByteBuffer(S, x, xAt + 4 * j, NATIVE));
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (int j = cv; j < c; j++) sum += x.getFloat(xAt + 4 * j);
        float m = sum / c;
        FloatVector v = FloatVector.zero(S);
        for (int j = 0; j < cv; j += L) {
            FloatVector d =
                    FloatVector.fromByteBuffer(S, x, xAt + 4 * j, NATIVE).sub(m);
            v = d.fma(d, v);
        }
        float var = v.reduceLanes(VectorOperators.ADD);
        for (int j = cv; j < c; j++) {
            float d = x.getFloat(xAt + 4 * j) - m;
            var = Math.fma(d, d, var);
        }
        float r = (float) (1.0 / Math.sqrt(var / c + eps));
        for (int j = 0; j < cv; j += L) {
            FloatVector xh =
                    FloatVector.fromByteBuffer(S, x, xAt + 4 * j, NATIVE).sub(m).mul(r);
            xh.fma(
                            FloatVector.fromByteBuffer(S, g, gAt + 4 * j, NATIVE),
                            FloatVector.fromByteBuffer(S, b, bAt + 4 * j, NATIVE))
                    .intoByteBuffer(y, yAt + 4 * j, NATIVE);
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
