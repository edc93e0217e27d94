package io.inrank.model.generate;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Next-token choice from logits, one pipeline in the order the common servers apply it:
 *
 * <ol>
 *   <li>repetition penalty (CTRL/HF): each token seen in the prompt or the output, once: a positive logit is divided by
 *       the penalty, a negative one multiplied;
 *   <li>frequency and presence penalties (OpenAI/vLLM), on output tokens only: {@code logit -= f * count + q * (count >
 *       0)};
 *   <li>logit bias: {@code logit += bias}; a bias of -100 bans the token (-infinity);
 *   <li>EOS ban: the EOS tokens get -infinity while fewer than {@code minTokens} were generated, or always with {@code
 *       ignoreEos};
 *   <li>greedy (temperature 0): the argmax of these logits; else the temperature, then softmax;
 *   <li>top-k, typical-p (Meister et al., as HF's TypicalLogitsWarper), top-p (nucleus), min-p (vLLM), each on the
 *       distribution the previous steps left (renormalised);
 *   <li>a seeded draw from what is left.
 * </ol>
 *
 * A banned token (probability 0) is never drawn, greedy included. One sampler serves one sequence: it keeps its random
 * stream and reuses its buffers, so the steady state allocates nothing per token.
 */
public final class Sampler {
    /**
     * The lowest temperature that samples; servers treat anything lower as greedy (vLLM: 1e-5). Dividing logits by a
     * smaller one overflows (by 5e-324: infinity, then NaN probabilities and always token 0).
     */
    public static final double MIN_TEMPERATURE = 1e-5;

    /** Repetition penalties outside [0.01, 100] are refused: further out a logit overflows or the penalty is moot. */
    public static final double MIN_PENALTY = 0.01, MAX_PENALTY = 100;

    /** The logit-bias range (OpenAI's); a bias at the lower end bans the token. */
    public static final double MAX_BIAS = 100;

    /** The frequency/presence-penalty range (OpenAI's). */
    public static final double MAX_FREQUENCY_PENALTY = 2;

    /**
     * @param temperature       0 = greedy
     * @param topK              0 = off
     * @param topP              1 = off
     * @param repetitionPenalty 1 = off
     * @param typicalP          1 = off
     * @param minP              0 = off
     * @param frequencyPenalty  0 = off; per occurrence in the output
     * @param presencePenalty   0 = off; once per token present in the output
     * @param logitBias         token id → bias in [-100, 100] (-100 bans); ids beyond the vocabulary are ignored
     * @param minTokens         the EOS tokens are banned until this many tokens were generated
     * @param ignoreEos         the EOS tokens are always banned
     * @param eosTokens         the tokens {@code minTokens} and {@code ignoreEos} ban
     */
    public record Params(
            double temperature,
            int topK,
            double topP,
            double repetitionPenalty,
            long seed,
            double typicalP,
            double minP,
            double frequencyPenalty,
            double presencePenalty,
            Map<Integer, Double> logitBias,
            int minTokens,
            boolean ignoreEos,
            Set<Integer> eosTokens) {
        public Params {
            if (!(temperature == 0 || (temperature >= MIN_TEMPERATURE && Double.isFinite(temperature))))
                throw new IllegalArgumentException("temperature must be 0 (greedy) or a finite value >= "
                        + MIN_TEMPERATURE + ", got " + temperature);
            if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
            if (!(repetitionPenalty >= MIN_PENALTY && repetitionPenalty <= MAX_PENALTY))
                throw new IllegalArgumentException("repetition_penalty must be in [" + MIN_PENALTY + ", " + MAX_PENALTY
                        + "], got " + repetitionPenalty);
            if (!(typicalP > 0 && typicalP <= 1))
                throw new IllegalArgumentException("typical_p must be in (0, 1], got " + typicalP);
            if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
            if (!(Math.abs(frequencyPenalty) <= MAX_FREQUENCY_PENALTY))
                throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
            if (!(Math.abs(presencePenalty) <= MAX_FREQUENCY_PENALTY))
                throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presencePenalty);
            TreeMap<Integer, Double> bias = new TreeMap<>();
            if (logitBias != null)
                for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
                    Integer t = e.getKey();
                    Double b = e.getValue();
                    if (t == null || t < 0)
                        throw new IllegalArgumentException("logit_bias token ids must be >= 0, got " + t);
                    if (b == null || !(Math.abs(b) <= MAX_BIAS))
                        throw new IllegalArgumentException(
                                "logit_bias values must be in [-100, 100], got " + b + " for token " + t);
                    bias.put(t, b);
                }
            logitBias = Collections.unmodifiableMap(bias);
            if (minTokens < 0) throw new IllegalArgumentException("min_tokens must be >= 0, got " + minTokens);
            TreeSet<Integer> eos = new TreeSet<>();
            if (eosTokens != null)
                for (Integer t : eosTokens) {
                    if (t == null || t < 0) throw new IllegalArgumentException("eos_tokens must be >= 0, got " + t);
                    eos.add(t);
                }
            eosTokens = Collections.unmodifiableSet(eos);
        }

        /** Repetition penalty, temperature, top-k and top-p; everything else off. */
        public Params(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
            this(temperature, topK, topP, repetitionPenalty, seed, 1, 0, 0, 0, Map.of(), 0, false, Set.of());
        }

        public static Params greedy() {
            return new Params(0, 0, 1, 1, 0);
        }

        public Params withTemperature(double temperature) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withTopK(int topK) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withTopP(double topP) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withRepetitionPenalty(double repetitionPenalty) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withSeed(long seed) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withTypicalP(double typicalP) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withMinP(double minP) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withFrequencyPenalty(double frequencyPenalty) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withPresencePenalty(double presencePenalty) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withLogitBias(Map<Integer, Double> logitBias) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }

        public Params withEos(int minTokens, boolean ignoreEos, Set<Integer> eosTokens) {
            return new Params(
                    temperature,
                    topK,
                    topP,
                    repetitionPenalty,
                    seed,
                    typicalP,
                    minP,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    minTokens,
                    ignoreEos,
                    eosTokens);
        }
    }

    /**
     * What the frequency and presence penalties count. OUTPUT: the generated tokens, frequency as a count (OpenAI's and
     * vLLM's formula, {@code logit −= f·count + p·[count > 0]}). SEQUENCE: every token so far, prompt included,
     * frequency as a fraction of the sequence's length (TGI's: {@code logit −= f·count/length + p·[count > 0]}).
     */
    public enum PenaltyScope {
        OUTPUT,
        SEQUENCE
    }

    private final Params params;
    private final int promptLength;
    private final PenaltyScope scope;
    private final SplittableRandom rng;
    private final int[] biasTokens, eosTokens; // the params' map and set as arrays: no iterator per token
    private final double[] biasValues;
    private final BitSet seen = new BitSet();
    private int[] counts = new int[0]; // output-token counts, all zero between calls
    private double[] host = new double[0], aux = new double[0]; // the backend's logits; per-token typical-p scores
    private long[] keys = new long[0]; // ordering keys: (value bits, truncated) | (MASK - token)
    private int[] kept = new int[0];

    // what prepare() left when sampling: the weights (unnormalised probabilities) in the logits array, the tokens
    // still in the running — all of the vocabulary, or kept[0, n) — and their total weight
    private boolean all, byProb; // byProb: kept[0, n) is in descending probability order
    private int n;
    private double mass;

    public Sampler(Params params) {
        this(params, 0);
    }

    /** @param promptLength how many leading history entries are the prompt (not output, for the penalties and EOS) */
    public Sampler(Params params, int promptLength) {
        this(params, promptLength, PenaltyScope.OUTPUT);
    }

    /** @param scope what the frequency and presence penalties count ({@link PenaltyScope}) */
    public Sampler(Params params, int promptLength, PenaltyScope scope) {
        if (promptLength < 0) throw new IllegalArgumentException("promptLength must be >= 0, got " + promptLength);
        this.params = params;
        this.promptLength = promptLength;
        this.scope = scope;
        this.rng = new SplittableRandom(params.seed());
        biasTokens =
                params.logitBias().keySet().stream().mapToInt(Integer::intValue).toArray();
        biasValues = params.logitBias().values().stream()
                .mapToDouble(Double::doubleValue)
                .toArray();
        eosTokens = params.eosTokens().stream().mapToInt(Integer::intValue).toArray();
    }

    /** @param history tokens so far (prompt and generated), for the penalties and the EOS ban */
    public int next(Backend be, Tensor logits, List<Integer> history) {
        if (host.length != logits.length()) host = new double[(int) logits.length()];
        be.toHost(logits, host);
        return next(host, history);
    }

    /** @param logits one row of next-token logits (modified: this is a scratch copy) */
    public int next(double[] logits, List<Integer> history) {
        int greedy = prepare(logits, history);
        if (greedy >= 0) return greedy;
        double[] w = logits;
        double u = rng.nextDouble() * mass;
        if (all) {
            for (int i = 0; i < w.length; i++) if ((u -= w[i]) < 0) return i; // strict: a weight of 0 is never drawn
            return argmax(w); // rounding left u >= 0: the likeliest token
        }
        int best = kept[0];
        for (int r = 0; r < n; r++) {
            int t = kept[r];
            if ((u -= w[t]) < 0) return t;
            if (w[t] > w[best]) best = t;
        }
        return best;
    }

    /**
     * The probabilities the draw would use for these logits (one-hot when greedy): the whole pipeline but the draw.
     * Consumes no randomness.
     *
     * @param logits modified, as in {@link #next(double[], List)}
     */
    double[] distribution(double[] logits, List<Integer> history) {
        int v = logits.length;
        double[] p = new double[v];
        int greedy = prepare(logits, history);
        if (greedy >= 0) {
            p[greedy] = 1;
            return p;
        }
        if (all) for (int i = 0; i < v; i++) p[i] = logits[i] / mass;
        else for (int r = 0; r < n; r++) p[kept[r]] = logits[kept[r]] / mass;
        return p;
    }

    /**
     * Steps 1–5 and the filters: returns the greedy token, or -1 with the candidates and their weights (in z) set for
     * the draw.
     */
    private int prepare(double[] z, List<Integer> history) {
        int v = z.length;
        if (v > MASK + 1) throw new IllegalArgumentException("vocabulary of " + v + " exceeds " + (MASK + 1));
        if (!(history instanceof RandomAccess)) history = new ArrayList<>(history); // indexed below
        penalize(z, history);
        if (params.temperature() == 0) {
            int best = argmax(z);
            if (!(z[best] > Double.NEGATIVE_INFINITY)) throw allBanned(v);
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) max = Math.max(max, z[i] /= params.temperature());
        if (!(max > Double.NEGATIVE_INFINITY)) throw allBanned(v);
        double sum = 0;
        for (int i = 0; i < v; i++) sum += z[i] = Math.exp(z[i] - max); // a banned token: exp(-inf) = 0
        all = true;
        byProb = false;
        n = v;
        mass = sum;
        if (params.topK() > 0 && params.topK() < v) topK(z);
        if (params.typicalP() < 1) typical(z);
        if (params.topP() < 1) topP(z);
        if (params.minP() > 0) minP(z);
        return -1;
    }

    /** Steps 1–4 on the logits: repetition, frequency and presence penalties, logit bias, EOS ban. */
    private void penalize(double[] z, List<Integer> history) {
        int v = z.length, size = history.size();
        double rp = params.repetitionPenalty();
        if (rp != 1) {
            seen.clear();
            for (int i = 0; i < size; i++) {
                int t = history.get(i);
                if (seen.get(t)) continue; // each seen token once
                seen.set(t);
                z[t] = z[t] > 0 ? z[t] / rp : z[t] * rp;
            }
        }
        double f = params.frequencyPenalty(), q = params.presencePenalty();
        int from = scope == PenaltyScope.SEQUENCE ? 0 : promptLength;
        if ((f != 0 || q != 0) && size > from) {
            if (counts.length != v) counts = new int[v];
            double per = scope == PenaltyScope.SEQUENCE ? 1.0 / size : 1.0; // TGI: the token's share of the sequence
            for (int i = from; i < size; i++) counts[history.get(i)]++;
            for (int i = from; i < size; i++) {
                int t = history.get(i), c = counts[t];
                if (c == 0) continue; // done at its first occurrence
                z[t] -= f * c * per + q;
                counts[t] = 0; // all zero again afterwards
            }
        }
        for (int j = 0; j < biasTokens.length; j++) {
            int t = biasTokens[j];
            if (t >= v) continue;
            z[t] = biasValues[j] <= -MAX_BIAS ? Double.NEGATIVE_INFINITY : z[t] + biasValues[j];
        }
        if (params.ignoreEos() || size - promptLength < params.minTokens())
            for (int t : eosTokens) if (t < v) z[t] = Double.NEGATIVE_INFINITY;
    }

    private static IllegalStateException allBanned(int v) {
        return new IllegalStateException("every one of the " + v + " tokens is banned (logit_bias -100, EOS ban)");
    }

    /** Keeps the k most probable tokens (ties: the lower id), in descending order. */
    private void topK(double[] w) {
        int v = w.length, k = params.topK();
        if (keys.length < v) keys = new long[v];
        for (int i = 0; i < v; i++) keys[i] = probKey(w[i], i);
        topSorted(keys, v, k);
        if (kept.length < v) kept = new int[v];
        double sum = 0;
        for (int r = 0; r < k; r++) sum += w[kept[r] = index(keys, v, r)];
        all = false;
        byProb = true;
        n = k;
        mass = sum;
    }

    /**
     * Locally typical sampling, as HF's TypicalLogitsWarper: with p renormalised over the candidates and H their
     * entropy, order by |-log p - H| ascending, find the first rank whose cumulative probability reaches typical_p,
     * and keep every candidate whose score is at most that rank's (ties kept, at least one).
     */
    private void typical(double[] w) {
        int v = w.length;
        if (aux.length < v) aux = new double[v];
        double h = 0;
        for (int r = 0; r < n; r++) {
            int t = all ? r : kept[r];
            double p = w[t] / mass, lp = aux[t] = Math.log(p);
            if (p > 0) h -= p * lp;
        }
        if (keys.length < n) keys = new long[n];
        for (int r = 0; r < n; r++) {
            int t = all ? r : kept[r];
            double s = aux[t] = w[t] > 0 ? Math.abs(-aux[t] - h) : Double.POSITIVE_INFINITY;
            // the largest key is the smallest score: scores are >= 0, so their bits order as longs
            keys[r] = (((Long.MAX_VALUE - Double.doubleToRawLongBits(s)) >>> INDEX_BITS) << INDEX_BITS) | (MASK - t);
        }
        int r = firstReaching(keys, n, w, params.typicalP());
        double threshold = r < 0 ? Double.POSITIVE_INFINITY : aux[index(keys, n, r)];
        if (kept.length < v) kept = new int[v];
        int m = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) {
            int t = all ? j : kept[j];
            if (aux[t] <= threshold) sum += w[kept[m++] = t]; // in place: m <= j
        }
        all = false; // byProb stays: the order is kept
        n = m;
        mass = sum;
    }

    /** Nucleus: keeps the most probable candidates until their probability (renormalised) reaches top_p. */
    private void topP(double[] w) {
        int keep;
        if (!all && byProb) {
            keep = n;
            double cum = 0;
            for (int r = 0; r < n; r++)
                if ((cum += w[kept[r]] / mass) >= params.topP()) {
                    keep = r + 1;
                    break;
                }
        } else {
            if (keys.length < n) keys = new long[n];
            for (int r = 0; r < n; r++) {
                int t = all ? r : kept[r];
                keys[r] = probKey(w[t], t);
            }
            int r = firstReaching(keys, n, w, params.topP());
            keep = r < 0 ? n : r + 1;
            if (kept.length < w.length) kept = new int[w.length];
            for (int j = 0; j < keep; j++) kept[j] = index(keys, n, j);
        }
        double sum = 0;
        for (int j = 0; j < keep; j++) sum += w[kept[j]];
        all = false;
        byProb = true;
        n = keep;
        mass = sum;
    }

    /** vLLM's min-p: drops the candidates whose probability is below min_p times the largest. */
    private void minP(double[] w) {
        double top = 0;
        for (int r = 0; r < n; r++) top = Math.max(top, w[all ? r : kept[r]]);
        double threshold = params.minP() * (top / mass);
        if (kept.length < w.length) kept = new int[w.length];
        int m = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) {
            int t = all ? j : kept[j];
            if (!(w[t] / mass < threshold)) sum += w[kept[m++] = t];
        }
        all = false;
        n = m;
        mass = sum;
    }

    /**
     * The first rank (in keys[0, n) by descending key) whose cumulative probability, w / mass, reaches the target; -1
     * when rounding leaves it short. Only the leading ranks are ever read: select and sort the top 64, and 4× more only
     * while needed (sorting the whole vocabulary per token dominated sampling; the ranks read are a full sort's).
     */
    private int firstReaching(long[] keys, int n, double[] w, double target) {
        int sorted = Math.min(n, 64);
        topSorted(keys, n, sorted);
        double cum = 0;
        for (int r = 0; ; ) {
            for (; r < sorted; r++) if ((cum += w[index(keys, n, r)] / mass) >= target) return r;
            if (sorted == n) return -1;
            sorted = (int) Math.min(n, 4L * sorted);
            topSorted(keys, n, sorted);
        }
    }

    private static final int INDEX_BITS = 17; // vocabularies up to 131,072 tokens
    private static final long MASK = (1L << INDEX_BITS) - 1;

    /** Orders by probability without boxing: the (non-negative) double's high bits, then the id (ties: lower first). */
    private static long probKey(double w, int t) {
        return ((Double.doubleToRawLongBits(w) >>> INDEX_BITS) << INDEX_BITS) | (MASK - t);
    }

    /** Puts the k largest keys (all distinct) at the end of the array, ascending: ranks 0..k-1 for {@link #index}. */
    static void topSorted(long[] keys, int k) {
        topSorted(keys, keys.length, k);
    }

    /** {@link #topSorted(long[], int)} on keys[0, v). */
    static void topSorted(long[] keys, int v, int k) {
        int target = v - k;
        if (target <= 0) {
            java.util.Arrays.sort(keys, 0, v);
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

    /** The token of rank r (0 = largest key) in keys[0, v) sorted ascending at the end. */
    private static int index(long[] keys, int v, int r) {
        return (int) (MASK - (keys[v - 1 - r] & MASK));
    }

    static int argmax(double[] z) {
        int best = 0;
        for (int i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
        return best;
    }
}
