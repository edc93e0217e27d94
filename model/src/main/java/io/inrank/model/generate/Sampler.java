package io.inrank.model.generate;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Next-token choice from logits, in the order the common servers apply it: repetition penalty (CTRL/HF: a seen
 * token's positive logit is divided by the penalty, a negative one multiplied), temperature, top-k, top-p (nucleus),
 * then greedy (temperature 0) or a seeded draw.
 */
public final class Sampler {

    /**
     * @param temperature       0 = greedy
     * @param topK              0 = off
     * @param topP              1 = off
     * @param repetitionPenalty 1 = off
     */
    public record Params(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
        public Params {
            if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0");
            if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1]");
            if (repetitionPenalty <= 0) throw new IllegalArgumentException("repetition_penalty must be > 0");
        }

        public static Params greedy() {
            return new Params(0, 0, 1, 1, 0);
        }
    }

    private final Params params;
    private final SplittableRandom rng;
    private Integer[] order = new Integer[0];
    private final java.util.BitSet seen = new java.util.BitSet();
    private double[] host = new double[0];

    public Sampler(Params params) {
        this.params = params;
        this.rng = new SplittableRandom(params.seed());
    }

    /** @param history tokens so far (prompt and generated), for the repetition penalty */
    public int next(Backend be, Tensor logits, List<Integer> history) {
        if (host.length != logits.length()) host = new double[(int) logits.length()];
        be.toHost(logits, host);
        return next(host, history);
    }

    /** @param logits one row of next-token logits (modified: this is a scratch copy) */
    public int next(double[] logits, List<Integer> history) {
        int v = logits.length;
        if (order.length != v) order = new Integer[v];
        double[] z = logits;
        if (params.repetitionPenalty() != 1) {
            seen.clear();
            for (int t : history) {
                if (seen.get(t)) continue;   // each seen token once
                seen.set(t);
                z[t] = z[t] > 0 ? z[t] / params.repetitionPenalty() : z[t] * params.repetitionPenalty();
            }
        }
        if (params.temperature() == 0) return argmax(z);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, z[i] /= params.temperature());
        double sum = 0;
        for (int i = 0; i < v; i++) sum += z[i] = Math.exp(z[i] - max);
        for (int i = 0; i < v; i++) z[i] /= sum;
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));
        int keep = params.topK() > 0 ? Math.min(params.topK(), v) : v;
        double cum = 0;
        for (int i = 0; i < keep; i++) {
            cum += z[order[i]];
            if (cum >= params.topP()) {
                keep = i + 1;
                break;
            }
        }
        double mass = 0;
        for (int i = 0; i < keep; i++) mass += z[order[i]];
        double u = rng.nextDouble() * mass;
        for (int i = 0; i < keep; i++) {
            u -= z[order[i]];
            if (u <= 0) return order[i];
        }
        return order[keep - 1];
    }

    static int argmax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
        return best;
    }
}
