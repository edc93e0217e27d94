package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorExp}: accuracy against Math.exp, the edges the softmax relies on, and the same bits from the compiled
 * kernel as from the same steps written out in scalar Java (what the interpreter computes), so a decode result cannot
 * depend on whether its kernel was compiled yet.
 */
class VectorExpTest {
    private static final int L = RowKernels.L;

    @Test
    void accurateOverTheFloatRangeAndExactAtTheEdges() {
        float[] x = new float[L], y = new float[L];
        double worst = 0;
        for (float v = -87f; v < 87.98f; v += 0.000731f * L) {
            for (int i = 0; i < L; i++) x[i] = v + i * 0.000731f;
            VectorExp.exp(FloatVector.fromArray(RowKernels.S, x, 0)).intoArray(y, 0);
            for (int i = 0; i < L; i++) {
                double want = Math.exp(x[i]);
                worst = Math.max(worst, Math.abs(y[i] - want) / want);
            }
        }
        assertTrue(worst < 2.5e-7, "max relative error " + worst);
        float[] edges = {Float.NEGATIVE_INFINITY, -1000f, -87.5f, 0f, -0f, 89f, Float.POSITIVE_INFINITY, Float.NaN};
        float[] want = {0f, 0f, 0f, 1f, 1f, Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN};
        for (int i = 0; i < edges.length; i++) {
            java.util.Arrays.fill(x, edges[i]);
            VectorExp.exp(FloatVector.fromArray(RowKernels.S, x, 0)).intoArray(y, 0);
            assertEquals(want[i], y[0], "exp(" + edges[i] + ")");
        }
    }

    @Test
    void compiledKernelGivesTheBitsOfItsScalarSteps() {
        float[] x = new float[L], y = new float[L];
        java.util.Random rnd = new java.util.Random(5);
        for (int round = 0; round < 40_000; round++) { // long enough for the JIT to compile the kernel
            for (int i = 0; i < L; i++) x[i] = (float) (rnd.nextGaussian() * 20);
            VectorExp.exp(FloatVector.fromArray(RowKernels.S, x, 0)).intoArray(y, 0);
            if (round % 97 != 0 && round < 39_000) continue;
            for (int i = 0; i < L; i++)
                assertEquals(
                        Float.floatToIntBits(scalarSteps(x[i])),
                        Float.floatToIntBits(y[i]),
                        "exp(" + x[i] + ") round " + round);
        }
    }

    /** VectorExp's steps for one value, in plain Java float arithmetic. */
    private static float scalarSteps(float x) {
        float xc = Math.min(Math.max(x, -87.33654f), 88f);
        float n = (xc * 1.44269504088896341f + 12582912f) - 12582912f;
        float r = Math.fma(n, -0.693359375f, xc);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float e = (p * (r * r) + r + 1f) * Float.intBitsToFloat(((int) n + 127) << 23);
        if (x < -87.33654f) return 0f;
        return x > 88f ? Float.POSITIVE_INFINITY : e;
    }
}
