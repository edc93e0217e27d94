package io.inrank.inference.engine;

/**
 * A generated token's log-probability under the model's distribution — the softmax of the raw logits, before
 * temperature, repetition penalty, top-k or top-p (what TGI and OpenAI report) — and the {@code k} most likely
 * tokens with theirs, most likely first.
 */
public record TokenLogprob(int id, double logprob, int[] topIds, double[] topLogprobs) {

    /** From one row of raw logits (not modified); k = 0: the chosen token only. */
    public static TokenLogprob of(double[] logits, int chosen, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) max = Math.max(max, z);
        double sum = 0;
        for (double z : logits) sum += Math.exp(z - max);
        double lse = max + Math.log(sum);
        int[] ids = new int[Math.min(k, logits.length)];
        double[] lps = new double[ids.length];
        // k is small (≤ 20): keep the top k by insertion, ties to the lower id
        int n = 0;
        for (int i = 0; i < logits.length && ids.length > 0; i++) {
            double z = logits[i];
            if (n == ids.length && z <= logits[ids[n - 1]]) continue;
            int at = Math.min(n, ids.length - 1);
            while (at > 0 && logits[ids[at - 1]] < z) {
                ids[at] = ids[at - 1];
                at--;
            }
            ids[at] = i;
            if (n < ids.length) n++;
        }
        for (int j = 0; j < ids.length; j++) lps[j] = logits[ids[j]] - lse;
        return new TokenLogprob(chosen, logits[chosen] - lse, ids, lps);
    }
}
