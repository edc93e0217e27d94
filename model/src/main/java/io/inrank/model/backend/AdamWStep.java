package io.inrank.model.backend;

/**
 * One AdamW step's scalars (torch semantics), made once per step by {@code AdamW} and handed to
 * {@link Backend#adamw}: the backends apply them and derive nothing, so every backend uses the same bias corrections
 * (1 − βᵗ in float64) and the same decoupled decay factor.
 *
 * @param oneMinusBeta1 1 − β₁ in float64 (a float32 backend rounds this, not 1 − (float) β₁, as torch does)
 * @param biasCorrection1 1 − β₁ᵗ
 * @param decayFactor 1 − lr·λ, applied to a decayed segment's values before the Adam update
 */
public record AdamWStep(
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        long step,
        double oneMinusBeta1,
        double oneMinusBeta2,
        double biasCorrection1,
        double biasCorrection2,
        double decayFactor) {

    /** The scalars of step {@code step} (1 for the first). */
    public static AdamWStep of(double lr, double beta1, double beta2, double eps, double weightDecay, long step) {
        if (step < 1) throw new IllegalArgumentException("AdamW step " + step + ": steps count from 1");
        return new AdamWStep(
                lr,
                beta1,
                beta2,
                eps,
                weightDecay,
                step,
                1 - beta1,
                1 - beta2,
                1 - Math.pow(beta1, step),
                1 - Math.pow(beta2, step),
                1 - lr * weightDecay);
    }

    /** The factor a segment's values are multiplied by before the update: decayed or not. */
    public double decay(boolean decayed) {
        return decayed ? decayFactor : 1.0;
    }
}
