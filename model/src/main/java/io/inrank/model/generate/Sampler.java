package io.inrank.model.generate;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Next-token choice from logits, in the order the common servers apply it: repetition penalty (CTRL/HF: a seen
 * token's positive logit is divided by the penalty, a negative one multiplied), temperature, top-k, top-p (nucleus),
 * then greedy (temperature 0) or a seeded draw.
 */
public final class Sampler {
    /**
     * The lowest temperature that samples; servers treat anything lower as greedy (vLLM: 1e-5). Dividing logits by a
     * smaller one overflows (by 5e-324: infinity, then NaN probabilities and always token 0).
     */
    public static final double MIN_TEMPERATURE = 1e-5;

    /** Repetition penalties outside [0.01, 100] are refused: further out a logit overflows or the penalty is moot. */
    public static final double MIN_PENALTY = 0.01, MAX_PENALTY = 100;

    /**
     * @param temperature       0 = greedy
     * @param topK              0 = off
     * @param topP              1 = off
     * @param repetitionPenalty 1 = off
     */
    public record Params(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
        public Params {
            if (!(temperature == 0 || (temperature >= MIN_TEMPERATURE && Double.isFinite(temperature))))
                throw new IllegalArgumentException("temperature must be 0 (greedy) or a finite value >= "
                        + MIN_TEMPERATURE + ", got " + temperature);
            if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0");
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1]");
            if (!(repetitionPenalty >= MIN_PENALTY && repetitionPenalty <= MAX_PENALTY))
                throw new IllegalArgumentException("repetition_penalty must be in [" + MIN_PENALTY + ", " + MAX_PENALTY
                        + "], got " + repetitionPenalty);
        }

        public static Params greedy() {
            return new Params(0, 0, 1, 1, 0);
        }
    }

    private final Params params;
    private final SplittableRandom rng;
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
        if (v > MASK + 1) throw new IllegalArgumentException("vocabulary of " + v + " exceeds " + (MASK + 1));
        double[] z = logits;
        if (params.repetitionPenalty() != 1) {
            seen.clear();
            for (int t : history) {
                if (seen.get(t)) continue; // each seen token once
                seen.set(t);
                z[t] = z[t] > 0 ? z[t] / params.repetitionPenalty() : z[t] * params.repetitionPenalty();
            }
        }
        if (params.temperature() == 0) return argmax(z);
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, z[i] /= params.temperature());
        double sum = 0;
        for (int i = 0; i < v; i++) sum += z[i] = Math.exp(z[i] - max);
        if (params.topK() == 0 && params.topP() >= 1) { // plain sampling: no ordering needed
            double u = rng.nextDouble() * sum;
            for (int i = 0; i < v; i++) {
                u -= z[i];
                if (u <= 0) return i;
            }
            return argmax(z);
        }
        for (int i = 0; i < v; i++) z[i] /= sum;
        // order by probability without boxing: key = the (positive) double's high bits, then the index (ties: lower
        // first)
        if (keys.length != v) keys = new long[v];
        for (int i = 0; i < v; i++)
            keys[i] = ((Double.doubleToRawLongBits(z[i]) >>> INDEX_BITS) << INDEX_BITS) | (MASK - i);
        // only the most probable ranks are ever read: select and sort the top 64, and 4× more only while top-p needs
        // them (sorting the whole vocabulary per token dominated sampling; the ranks read are the same as a full
        // sort's)
        int limit = params.topK() > 0 ? Math.min(params.topK(), v) : v, sorted = Math.min(limit, 64), keep = limit;
        topSorted(keys, sorted);
        double cum = 0;
        ranks:
        for (int r = 0; ; ) {
            for (; r < sorted; r++) {
                cum += z[index(keys, v, r)];
                if (cum >= params.topP()) {
                    keep = r + 1;
                    break ranks;
                }
            }
            if (sorted == limit) break;
            sorted = (int) Math.min(limit, 4L * sorted);
            topSorted(keys, sorted);
        }
        double mass = 0;
        for (int r = 0; r < keep; r++) mass += z[index(keys, v, r)];
        double u = rng.nextDouble() * mass;
        for (int r = 0; r < keep; r++) {
            int i = index(keys, v, r);
            u -= z[i];
            if (u <= 0) return i;
        }
        return index(keys, v, keep - 1);
    }

    private static final int INDEX_BITS = 17; // vocabularies up to 131,072 tokens
    private static final long MASK = (1L << INDEX_BITS) - 1;
    private long[] keys = new long[0];

    /** Puts the k largest keys (all distinct) at the end of the array, ascending: ranks 0..k-1 for {@link #index}. */
    static void topSorted(long[] keys, int k) {
        int v = keys.length, target = v - k;
        if (target <= 0) {
            java.util.Arrays.sort(keys);
            return;
        }
        int lo = 0, hi = v - 1; // quickselect: afterwards keys[target] is in place, smaller before, larger after
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            long a = keys[lo], b = keys[mid], c = keys[hi];
            long pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
            int i = lo, j = hi;
            while (i <= j) {
                while (keys[i] < pivot) i++;
                while (keys[j] > pivot) j--;
                if (i <= j) {
                    long t = keys[i];
                    keys[i++] = keys[j];
                    keys[j--] = t;
                }
            }
            if (target <= j) hi = j;
            else if (target >= i) lo = i;
            else break;
        }
        java.util.Arrays.sort(keys, target, v);
    }

    /** The token of rank r (0 = most probable) in ascending-sorted keys. */
    private static int index(long[] keys, int v, int r) {
        return (int) (MASK - (keys[v - 1 - r] & MASK));
    }

    static int argmax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
        return best;
    }
}
