package io.inrank.model.backend.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GELU, exact (x·Φ(x), PyTorch nn.GELU(), the InRank MLP) and tanh-approximate (GPT-2's gelu_new, the HF baseline).
 * Float32 arrays use the fast erf (error ≤ 1.5e-7), float64 arrays the precise one. The float32 forward runs on the
 * Vector API when its module is present ({@link GeluVector}: same formulas, vector exp/tanh); backward stays scalar.
 */
public final class Gelu {
    private Gelu() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    public static void forward(INDArray x, INDArray y, boolean tanhApprox) {
        if (RowProducts.AVAILABLE && x.length() == y.length() && Flat.vectorReadable(x) && Flat.vectorReadable(y)) {
            GeluVector.forward(x, y, tanhApprox); // checked first so that class loads only with the vector module
            return;
        }
        Flat fx = new Flat(x), fy = new Flat(y);
        boolean fast = fx.isFloat();
        WorkerTeam.SHARED.forRanges(x.length(), MIN_PER_PART, (from, to) -> {
            for (long i = from; i < to; i++) {
                double v = fx.get(i);
                fy.set(
                        i,
                        tanhApprox
                                ? 0.5 * v * (1 + tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v), fast))
                                : 0.5 * v * (1 + (fast ? Erf.erfFast(v * INV_SQRT_2) : Erf.erf(v * INV_SQRT_2))));
            }
        });
    }

    /** dx = dy·gelu'(x); dx is overwritten (it may be dy itself). */
    public static void backward(INDArray dy, INDArray x, INDArray dx, boolean tanhApprox) {
        Flat fx = new Flat(x), fdy = new Flat(dy), fdx = new Flat(dx);
        boolean fast = fx.isFloat();
        WorkerTeam.SHARED.forRanges(x.length(), MIN_PER_PART, (from, to) -> {
            for (long i = from; i < to; i++) {
                double v = fx.get(i), d;
                if (tanhApprox) {
                    double u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
                    double t = tanh(u, fast);
                    d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
                } else {
                    d = 0.5 * (1 + (fast ? Erf.erfFast(v * INV_SQRT_2) : Erf.erf(v * INV_SQRT_2)))
                            + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                }
                fdx.set(i, fdy.get(i) * d);
            }
        });
    }

    /**
     * Elementwise, so the range is split across the team with identical results; on the scalar path a decode step's
     * 8 × 3072 values take long enough to be worth two threads.
     */
    private static final long MIN_PER_PART = 4096;

    /** Float32: tanh from one exp (Math.tanh is the slow strict one); float64: the precise Math.tanh. */
    private static double tanh(double u, boolean fast) {
        if (!fast) return Math.tanh(u);
        if (u > 20) return 1;
        if (u < -20) return -1;
        return 1 - 2 / (Math.exp(2 * u) + 1);
    }
}
