package io.inrank.model.kernels;

/** erf via Apache Commons Math (accurate to ~1e-15; the exact GELU needs it). */
final class Erf {
    private Erf() {}

    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }
}
