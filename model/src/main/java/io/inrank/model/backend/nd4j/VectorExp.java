package io.inrank.model.backend.nd4j;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x for float vectors from IEEE-exact operations only (multiply, add, fused multiply-add, compare, integer shift), so
 * the result is the same bits whether the JIT has compiled the caller or not.
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: compiled, it calls the SVML routine; interpreted (or in C1), it
 * falls back to {@code Math.exp} per lane, and the two differ in the last bit. A decode row computed once before and
 * once after its kernel was compiled then gave different logits alone and in a batch ({@code BatchDecoderTest} caught
 * it). Method: x = n·ln2 + r with |r| ≤ ln2/2 (n rounded to nearest, ln2 split in two parts), e^r by a degree-7
 * polynomial around 0 (Cephes' expf coefficients), 2^n built in the exponent bits. Relative error ≤ 2 ulp on the tested
 * range; below −87.3 the result is 0 (so e^−∞ = 0, which the softmax relies on), above 88 it is +∞ (float's true limit
 * is 88.7; every caller here takes e^x of x ≤ 0, or of 2u in a tanh where +∞ gives the right answer).
 */
final class VectorExp {
    private VectorExp() {}

    private static final VectorSpecies<Float> S = RowKernels.S;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** Adding then subtracting 1.5·2^23 rounds a float of magnitude below 2^22 to the nearest integer (ties to even). */
    private static final float ROUND = 12582912f;
    /** Below MIN_X e^x is under float's smallest normal; above MAX_X it is returned as +∞ (keeps 2^n ≤ 2^127). */
    private static final float MIN_X = -87.33654f, MAX_X = 88f;

    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(MIN_X).min(MAX_X);
        FloatVector t = xc.mul(LOG2E).add(ROUND), n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f)
                .fma(r, FloatVector.broadcast(S, 8.3334519073e-3f))
                .fma(r, FloatVector.broadcast(S, 4.1665795894e-2f))
                .fma(r, FloatVector.broadcast(S, 1.6666665459e-1f))
                .fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n: n + 127 in the exponent field (n is in [-126, 127] after the clamp). t's low bits already hold n (t is
        // 1.5·2^23 + n), and the shift drops everything above them: no float→int conversion, which Java 17 does not
        // compile into a vector instruction
        FloatVector scale = t.reinterpretAsInts()
                .add(127)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        FloatVector e = er.mul(scale);
        e = e.blend(0f, x.lt(MIN_X));
        return e.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, MAX_X));
    }
}
