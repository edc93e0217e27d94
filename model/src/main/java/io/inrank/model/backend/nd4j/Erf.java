package io.inrank.model.backend.nd4j;

/**
 * erf for the exact GELU. Double precision (gradient checks, parity in float64) uses Apache Commons Math (~1e-15);
 * float32 training uses Abramowitz &amp; Stegun 7.1.26 (|error| ≤ 1.5e-7, below float32 resolution of GELU's output
 * scale), which is far cheaper than the series behind the precise one (model/BENCHMARKS.md).
 */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }

    static double erfFast(double x) {
        double ax = Math.abs(x);
        double t = 1.0 / (1.0 + 0.3275911 * ax);
        double y = 1.0
                - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                        * t
                        * Math.exp(-ax * ax);
        return x < 0 ? -y : y;
    }
}
