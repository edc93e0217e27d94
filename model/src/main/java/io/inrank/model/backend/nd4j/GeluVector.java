package io.inrank.model.backend.nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Float32 GELU forward on the Vector API: the same formulas as {@link Gelu} (exact: A&amp;S 7.1.26 erf; tanh variant
 * from one exp), evaluated in float with {@link VectorExp}, because a scalar {@code Math.exp} per value made GELU a
 * large part of a one-row decode step (model/BENCHMARKS.md). Every value, the tail included, goes through the same
 * lanewise code (the tail under a mask), so a value's result does not depend on where the range was cut.
 */
final class GeluVector {
    private GeluVector() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final int L = S.length();
    private static final float INV_SQRT_2 = (float) (1.0 / Math.sqrt(2.0));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);
    /** Values per part below which the range is not split (a decode row is too short to repay a hand-off). */
    private static final long MIN_PER_PART = 32_768;

    /** y = GELU(x), both contiguous FLOAT arrays of one length (y may be x). */
    static void forward(INDArray x, INDArray y, boolean tanhApprox) {
        VectorMemory in = VectorMemory.of(x), out = VectorMemory.of(y);
        int inOff = Math.toIntExact(Flat.byteOffset(x)), outOff = Math.toIntExact(Flat.byteOffset(y));
        WorkerTeam.SHARED.forRanges(
                x.length(),
                MIN_PER_PART,
                (from, to) -> range(in, inOff, out, outOff, (int) from, (int) to, tanhApprox));
    }

    private static void range(
            VectorMemory in, int inOff, VectorMemory out, int outOff, int from, int to, boolean tanhApprox) {
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector v = in.load(S, inOff + 4 * i);
            out.store((tanhApprox ? tanhGelu(v) : exactGelu(v)), outOff + 4 * i);
        }
        if (i < to) { // the tail under a mask: the same lanewise code
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = in.load(S, inOff + 4 * i, m);
            out.store((tanhApprox ? tanhGelu(v) : exactGelu(v)), outOff + 4 * i, m);
        }
    }

    /** 0.5·v·(1 + erf(v/√2)), erf(z) = ±(1 − poly(t)·e^(−z²)), t = 1/(1 + p·|z|). */
    private static FloatVector exactGelu(FloatVector v) {
        FloatVector az = v.abs().mul(INV_SQRT_2);
        FloatVector t = FloatVector.broadcast(S, 1f).div(az.fma(0.3275911f, 1f));
        FloatVector poly = t.fma(1.061405429f, -1.453152027f)
                .fma(t, FloatVector.broadcast(S, 1.421413741f))
                .fma(t, FloatVector.broadcast(S, -0.284496736f))
                .fma(t, FloatVector.broadcast(S, 0.254829592f))
                .mul(t);
        FloatVector erfAbs = poly.mul(VectorExp.exp(az.mul(az).neg())).neg().add(1f);
        FloatVector erf = erfAbs.blend(erfAbs.neg(), v.lt(0f));
        return v.mul(0.5f).mul(erf.add(1f));
    }

    /**
     * 0.5·v·(1 + tanh(u)), u = √(2/π)·(v + 0.044715·v³), written as v / (1 + e^(−2u)): the same value without
     * 1 + tanh cancelling in float for negative v (the scalar path has double precision to spare).
     */
    private static FloatVector tanhGelu(FloatVector v) {
        FloatVector u = v.mul(v).mul(v).mul(0.044715f).add(v).mul(SQRT_2_OVER_PI);
        return v.div(VectorExp.exp(u.mul(-2f)).add(1f));
    }
}
