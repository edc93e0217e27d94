package io.inrank.rank;

/**
 * How much of a layer's spectrum the top k singular values explain. {@code s} is the full spectrum of length
 * min(in, out), descending, zeros included (the zeros change the statistic of the official rule).
 */
public interface RatioPolicy {

    String name();

    /** The ratio for k = 0 … n; {@code out[k]} for every k in one pass. */
    double[] ratios(double[] s);

    /**
     * The official code's rule (docs/ARCHITECTURE.md §2.2): 1 − Var(t)/Var(s) where t is s with its top k values
     * zeroed — sklearn-style explained variance of the singular-value vector (ddof cancels).
     */
    RatioPolicy EXPLAINED_VARIANCE = new RatioPolicy() {
        @Override
        public String name() {
            return "explained-variance";
        }

        @Override
        public double[] ratios(double[] s) {
            int n = s.length;
            double sum = 0, sq = 0;
            for (double v : s) {
                sum += v;
                sq += v * v;
            }
            double varS = sq - sum * sum / n;
            double[] out = new double[n + 1];
            double headSum = 0, headSq = 0;
            for (int k = 0; k <= n; k++) {
                double tSum = sum - headSum, tSq = sq - headSq;
                double varT = tSq - tSum * tSum / n;
                out[k] = varS > 0 ? 1 - varT / varS : 0;
                if (k < n) {
                    headSum += s[k];
                    headSq += s[k] * s[k];
                }
            }
            return out;
        }
    };

    /** Cumulative energy Σ_{i<k} σᵢ² / Σ σᵢ² (the usual "explained energy"; selectable per run). */
    RatioPolicy ENERGY = new RatioPolicy() {
        @Override
        public String name() {
            return "energy";
        }

        @Override
        public double[] ratios(double[] s) {
            double total = 0;
            for (double v : s) total += v * v;
            double[] out = new double[s.length + 1];
            double head = 0;
            for (int k = 0; k <= s.length; k++) {
                out[k] = total > 0 ? head / total : 0;
                if (k < s.length) head += s[k] * s[k];
            }
            return out;
        }
    };

    static RatioPolicy byName(String name) {
        if (name == null || name.equals(EXPLAINED_VARIANCE.name())) return EXPLAINED_VARIANCE;
        if (name.equals(ENERGY.name())) return ENERGY;
        throw new IllegalArgumentException("unknown rank policy '" + name + "' (explained-variance, energy)");
    }
}
