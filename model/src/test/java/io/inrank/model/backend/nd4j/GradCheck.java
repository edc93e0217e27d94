package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Central finite differences in double precision. Each kernel is checked through the scalar L = Σ out ⊙ R with a fixed
 * random R, so dL/dout = R is what the backward receives.
 */
final class GradCheck {
    private GradCheck() {}

    static final double EPS = 1e-6;

    static INDArray rand(Random r, long... shape) {
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian());
        return a;
    }

    static double dot(INDArray a, INDArray b) {
        double s = 0;
        for (long i = 0; i < a.length(); i++) s += a.getDouble(i) * b.getDouble(i);
        return s;
    }

    /**
     * Compares {@code analytic} (dL/dparam) with finite differences of {@code loss} for every element of {@code param}
     * (or {@code maxChecks} spread over it). Fails on relative error above {@code tol}.
     */
    static double check(String name, INDArray param, INDArray analytic, DoubleSupplier loss, double tol, int maxChecks) {
        long n = param.length();
        long stride = Math.max(1, n / maxChecks);
        double worst = 0;
        for (long i = 0; i < n; i += stride) {
            double orig = param.getDouble(i);
            param.putScalar(i, orig + EPS);
            double plus = loss.getAsDouble();
            param.putScalar(i, orig - EPS);
            double minus = loss.getAsDouble();
            param.putScalar(i, orig);
            double numeric = (plus - minus) / (2 * EPS);
            double a = analytic.getDouble(i);
            double err = Math.abs(a - numeric) / Math.max(1e-3, Math.abs(a) + Math.abs(numeric));
            worst = Math.max(worst, err);
            if (err > tol) {
                throw new AssertionError(String.format("%s[%d]: analytic %.10g vs numeric %.10g (rel err %.3g)", name, i, a, numeric, err));
            }
        }
        return worst;
    }
}
