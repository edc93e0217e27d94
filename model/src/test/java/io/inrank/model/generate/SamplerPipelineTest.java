package io.inrank.model.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each step of the sampler's pipeline against a reference written out plainly here, on small fixed logits: the
 * distribution the draw uses must equal the reference's within 1e-12, and seeded draws must follow it.
 */
class SamplerPipelineTest {
    static final double EPS = 1e-12;
    static final double NEG = Double.NEGATIVE_INFINITY;
    // distinct logits; the largest is token 2, then 9, 4, 7
    static final double[] L = {1.2, -0.7, 2.9, 0.3, 2.1, -1.5, 0.8, 1.7, -0.2, 2.4};

    static final Sampler.Params SAMPLE = new Sampler.Params(1.0, 0, 1, 1, 42);

    // ---- the reference: a plain, step-by-step transcription of the formulas (HF-style score arrays, -inf =
    // removed) ----

    static double[] softmax(double[] s) {
        double max = Arrays.stream(s).max().orElseThrow();
        double[] p = new double[s.length];
        double sum = 0;
        for (int i = 0; i < s.length; i++) sum += p[i] = Math.exp(s[i] - max);
        for (int i = 0; i < s.length; i++) p[i] /= sum;
        return p;
    }

    static double[] repetition(double[] l, List<Integer> history, double penalty) {
        double[] z = l.clone();
        for (int t : new HashSet<>(history)) z[t] = z[t] > 0 ? z[t] / penalty : z[t] * penalty;
        return z;
    }

    static double[] frequencyPresence(double[] l, List<Integer> output, double f, double q) {
        double[] z = l.clone();
        Map<Integer, Integer> count = new HashMap<>();
        for (int t : output) count.merge(t, 1, Integer::sum);
        for (int t = 0; t < z.length; t++) {
            int c = count.getOrDefault(t, 0);
            z[t] -= f * c + q * (c > 0 ? 1 : 0);
        }
        return z;
    }

    static double[] bias(double[] l, Map<Integer, Double> bias) {
        double[] z = l.clone();
        bias.forEach((t, b) -> {
            if (t < z.length) z[t] = b <= -100 ? NEG : z[t] + b;
        });
        return z;
    }

    static double[] banEos(double[] l, Set<Integer> eos, int generated, int minTokens, boolean ignoreEos) {
        double[] z = l.clone();
        if (ignoreEos || generated < minTokens) for (int t : eos) z[t] = NEG;
        return z;
    }

    static double[] temperature(double[] l, double t) {
        double[] z = l.clone();
        for (int i = 0; i < z.length; i++) z[i] /= t;
        return z;
    }

    /** Token ids by descending probability (ties: lower id first). */
    static Integer[] byProbability(double[] p) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < p.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i));
        return idx;
    }

    static double[] topK(double[] s, int k) {
        Integer[] idx = byProbability(softmax(s));
        double[] z = s.clone();
        for (int r = k; r < idx.length; r++) z[idx[r]] = NEG;
        return z;
    }

    /** HF's TypicalLogitsWarper, line by line (mass = typical_p, min_tokens_to_keep = 1). */
    static double[] typicalHf(double[] scores, double mass) {
        int v = scores.length;
        double max = Arrays.stream(scores).max().orElseThrow();
        double lse = 0;
        for (double s : scores) lse += Math.exp(s - max);
        lse = max + Math.log(lse);
        double[] normalized = new double[v], p = new double[v], shifted = new double[v];
        for (int i = 0; i < v; i++) p[i] = Math.exp(normalized[i] = scores[i] - lse);
        double ent = 0;
        for (int i = 0; i < v; i++) {
            double x = normalized[i] * p[i];
            if (!Double.isNaN(x)) ent -= x; // nansum: -inf * 0
        }
        for (int i = 0; i < v; i++) shifted[i] = Math.abs(-normalized[i] - ent);
        Integer[] sorted = new Integer[v];
        for (int i = 0; i < v; i++) sorted[i] = i;
        Arrays.sort(sorted, Comparator.comparingDouble(i -> shifted[i])); // stable, ascending
        double cum = 0;
        int lastInd = 0;
        for (int r = 0; r < v; r++) if ((cum += p[sorted[r]]) < mass) lastInd++;
        lastInd = Math.min(lastInd, v - 1);
        double threshold = shifted[sorted[lastInd]];
        double[] z = scores.clone();
        for (int i = 0; i < v; i++) if (shifted[i] > threshold) z[i] = NEG;
        if (Arrays.stream(z).allMatch(x -> x == NEG)) z[sorted[0]] = scores[sorted[0]]; // keep at least one
        return z;
    }

    /** Nucleus: the smallest most-probable prefix whose probability reaches top_p. */
    static double[] topP(double[] s, double topP) {
        double[] p = softmax(s);
        Integer[] idx = byProbability(p);
        double[] z = s.clone();
        double cum = 0;
        int keep = idx.length;
        for (int r = 0; r < idx.length; r++)
            if ((cum += p[idx[r]]) >= topP) {
                keep = r + 1;
                break;
            }
        for (int r = keep; r < idx.length; r++) z[idx[r]] = NEG;
        return z;
    }

    /** vLLM's min-p: drop tokens whose probability is below min_p × the largest probability. */
    static double[] minP(double[] s, double minP) {
        double[] p = softmax(s);
        double top = Arrays.stream(p).max().orElseThrow();
        double[] z = s.clone();
        for (int i = 0; i < z.length; i++) if (p[i] < minP * top) z[i] = NEG;
        return z;
    }

    static int support(double[] p) {
        int c = 0;
        for (double x : p) if (x > 0) c++;
        return c;
    }

    static void assertDistribution(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            int t = i;
            assertEquals(
                    want[i],
                    got[i],
                    EPS,
                    () -> what + ": token " + t + "\nwant " + Arrays.toString(want) + "\ngot  " + Arrays.toString(got));
            assertEquals(want[i] == 0, got[i] == 0, () -> what + ": token " + t + " removed in one only");
        }
    }

    static double[] dist(Sampler.Params p, int promptLength, double[] logits, List<Integer> history) {
        return new Sampler(p, promptLength).distribution(logits.clone(), history);
    }

    // ---- each step ----

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfEverySeenTokenOnce() {
        List<Integer> history = List.of(2, 5, 2, 8, 0, 2);
        for (double rp : new double[] {0.5, 1.7, Sampler.MAX_PENALTY}) {
            var p = SAMPLE.withRepetitionPenalty(rp).withTemperature(0.7);
            double[] want = softmax(temperature(repetition(L, history, rp), 0.7));
            assertDistribution(want, dist(p, 0, L, history), "rp " + rp);
        }
        // the prompt counts too: a prompt-only token is penalised
        double[] want = softmax(repetition(L, List.of(2, 4), 1.5));
        assertDistribution(want, dist(SAMPLE.withRepetitionPenalty(1.5), 1, L, List.of(2, 4)), "prompt");
        assertNotEquals(softmax(L)[2], want[2], 1e-3);
    }

    @Test
    void frequencyAndPresencePenaltiesCountOutputTokensOnly() {
        int prompt = 3;
        List<Integer> history = List.of(2, 4, 1, 4, 4, 7, 2, 4); // output: 4 ×3, 7, 2
        List<Integer> output = history.subList(prompt, history.size());
        for (double[] fq : new double[][] {{0.6, 0}, {0, 0.9}, {0.6, 0.9}, {-0.5, 1.3}, {2, -2}}) {
            var p = SAMPLE.withFrequencyPenalty(fq[0]).withPresencePenalty(fq[1]);
            double[] want = softmax(frequencyPresence(L, output, fq[0], fq[1]));
            double[] got = dist(p, prompt, L, history);
            assertDistribution(want, got, "f " + fq[0] + " q " + fq[1]);
        }
        // token 1 is only in the prompt: its logit is untouched, so its ratio to an unseen token's stays
        double[] got = dist(SAMPLE.withFrequencyPenalty(1).withPresencePenalty(1), prompt, L, history);
        assertEquals(Math.exp(L[1] - L[3]), got[1] / got[3], 1e-12);
        assertEquals(Math.exp(L[4] - 3 - 1 - L[3]), got[4] / got[3], 1e-12);
        // the same history with no prompt split counts everything
        double[] all = dist(SAMPLE.withFrequencyPenalty(1), 0, L, history);
        assertDistribution(softmax(frequencyPresence(L, history, 1, 0)), all, "no prompt");
        // a history shorter than the prompt (prefill) penalises nothing
        assertDistribution(softmax(L), dist(SAMPLE.withFrequencyPenalty(1), 5, L, List.of(2, 4)), "prefill");
    }

    @Test
    void tgiScopeCountsTheWholeSequenceAsAFraction() {
        // TGI: logit -= f * count / length + q * [count > 0], over prompt and output alike
        int prompt = 3;
        List<Integer> history = List.of(2, 4, 1, 4, 4, 7, 2, 4);
        double f = 1.5, q = 0.4;
        double[] want = L.clone();
        Map<Integer, Integer> count = new HashMap<>();
        for (int t : history) count.merge(t, 1, Integer::sum);
        count.forEach((t, c) -> want[t] -= f * c / history.size() + q);
        Sampler s = new Sampler(
                SAMPLE.withFrequencyPenalty(f).withPresencePenalty(q), prompt, Sampler.PenaltyScope.SEQUENCE);
        assertDistribution(softmax(want), s.distribution(L.clone(), history), "TGI scope");
    }

    @Test
    void logitBiasAddsAndMinus100Bans() {
        Map<Integer, Double> b = Map.of(3, 2.5, 0, -1.0, 2, -100.0, 99, 5.0, 6, -99.5);
        double[] want = softmax(bias(L, b));
        double[] got = dist(SAMPLE.withLogitBias(b), 0, L, List.of());
        assertDistribution(want, got, "bias");
        assertEquals(0.0, got[2], "-100 bans");
        assertTrue(got[6] > 0, "-99.5 does not ban");
        // greedy never picks a banned token, even the largest logit by far
        double[] big = L.clone();
        big[2] = 1000;
        var greedy = Sampler.Params.greedy().withLogitBias(Map.of(2, -100.0));
        assertEquals(9, new Sampler(greedy).next(big.clone(), List.of()));
        double[] oneHot = new double[L.length];
        oneHot[9] = 1;
        assertArrayEquals(oneHot, new Sampler(greedy).distribution(big.clone(), List.of()));
        // a hot sampler draws everything else but never the banned token
        Sampler hot = new Sampler(SAMPLE.withTemperature(50).withLogitBias(Map.of(2, -100.0)));
        Set<Integer> drawn = new HashSet<>();
        for (int i = 0; i < 5000; i++) drawn.add(hot.next(big.clone(), List.of()));
        assertFalse(drawn.contains(2));
        assertEquals(L.length - 1, drawn.size());
        // a bias moves greedy's choice
        assertEquals(3, new Sampler(Sampler.Params.greedy().withLogitBias(Map.of(3, 3.0))).next(L.clone(), List.of()));
        // every token banned: refused, not a banned token
        Map<Integer, Double> everything = new HashMap<>();
        for (int t = 0; t < L.length; t++) everything.put(t, -100.0);
        for (var p : List.of(Sampler.Params.greedy(), SAMPLE))
            assertThrows(
                    IllegalStateException.class,
                    () -> new Sampler(p.withLogitBias(everything)).next(L.clone(), List.of()));
    }

    @Test
    void minTokensBansEosUntilEnoughWereGeneratedAndIgnoreEosAlways() {
        double[] l = L.clone();
        l[9] = 3.5; // EOS is the likeliest
        int prompt = 2;
        Set<Integer> eos = Set.of(9, 5);
        var p = SAMPLE.withEos(2, false, eos);
        List<Integer> history = new ArrayList<>(List.of(1, 3));
        for (int generated = 0; generated < 5; generated++) {
            double[] want = softmax(banEos(l, eos, generated, 2, false));
            double[] got = dist(p, prompt, l, history);
            assertDistribution(want, got, "generated " + generated);
            assertEquals(generated < 2, got[9] == 0, "generated " + generated);
            int g = new Sampler(Sampler.Params.greedy().withEos(2, false, eos), prompt).next(l.clone(), history);
            assertEquals(generated < 2 ? 2 : 9, g, "greedy, generated " + generated);
            double[] ignored = dist(p.withEos(0, true, eos), prompt, l, history);
            assertDistribution(softmax(banEos(l, eos, generated, 0, true)), ignored, "ignore_eos " + generated);
            assertEquals(0.0, ignored[9]);
            assertEquals(0.0, ignored[5]);
            assertEquals(
                    2, new Sampler(Sampler.Params.greedy().withEos(0, true, eos), prompt).next(l.clone(), history));
            history.add(generated % 2 == 0 ? 4 : 7);
        }
        // no EOS tokens: min_tokens and ignore_eos ban nothing
        assertDistribution(softmax(l), dist(SAMPLE.withEos(3, true, null), prompt, l, List.of(1, 3)), "no eos");
    }

    @Test
    void topKKeepsTheKMostProbable() {
        for (int k : new int[] {1, 2, 3, 7, 9, 10, 50}) {
            var p = SAMPLE.withTopK(k).withTemperature(0.9);
            double[] want = softmax(topK(temperature(L, 0.9), k));
            double[] got = dist(p, 0, L, List.of());
            assertDistribution(want, got, "k " + k);
            assertEquals(Math.min(k, L.length), support(got));
        }
    }

    @Test
    void typicalPMatchesHfTypicalLogitsWarper() {
        for (double t : new double[] {0.5, 1.0, 2.0})
            for (double typ : new double[] {0.05, 0.2, 0.5, 0.8, 0.95, 0.999, 1.0}) {
                var p = SAMPLE.withTemperature(t).withTypicalP(typ);
                double[] want = softmax(typicalHf(temperature(L, t), typ));
                assertDistribution(want, dist(p, 0, L, List.of()), "T " + t + " typical " + typ);
            }
        // the likeliest token can be atypical: p = 0.4, 0.1 × 6; its |-log p - H| is the largest. Ties are kept
        // together (HF keeps every score up to the cut-off's): 0.35 is reached inside the 0.1s, all six stay
        double[] l = {Math.log(4), 0, 0, 0, 0, 0, 0};
        double[] got = dist(SAMPLE.withTypicalP(0.35), 0, l, List.of());
        assertDistribution(softmax(typicalHf(l, 0.35)), got, "ties");
        assertEquals(0.0, got[0]);
        for (int i = 1; i < 7; i++) assertEquals(1 / 6.0, got[i], EPS);
        // after top-k, typical works on the renormalised top-k distribution
        for (double typ : new double[] {0.3, 0.6, 0.9}) {
            var p = SAMPLE.withTopK(5).withTypicalP(typ);
            assertDistribution(softmax(typicalHf(topK(L, 5), typ)), dist(p, 0, L, List.of()), "top-k 5, " + typ);
        }
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        for (double tp : new double[] {0.01, 0.3, 0.5, 0.8, 0.95, 0.999, 1.0}) {
            var p = SAMPLE.withTopP(tp).withTemperature(1.3);
            double[] want = softmax(topP(temperature(L, 1.3), tp));
            assertDistribution(want, dist(p, 0, L, List.of()), "top-p " + tp);
        }
        // after top-k, on the renormalised distribution (HF, vLLM)
        assertDistribution(
                softmax(topP(topK(L, 4), 0.8)), dist(SAMPLE.withTopK(4).withTopP(0.8), 0, L, List.of()), "k4 p.8");
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheLargestProbability() {
        for (double mp : new double[] {0.0, 0.05, 0.2, 0.5, 0.9, 1.0}) {
            var p = SAMPLE.withMinP(mp).withTemperature(0.8);
            double[] want = softmax(minP(temperature(L, 0.8), mp));
            assertDistribution(want, dist(p, 0, L, List.of()), "min-p " + mp);
        }
    }

    /** The whole pipeline in the stated order, each step changing something. */
    static final Map<Integer, Double> BIAS = Map.of(0, 1.1, 2, -100.0, 6, 0.7, 42, 3.0);

    static final Sampler.Params ALL =
            new Sampler.Params(0.9, 6, 0.9, 1.3, 7, 0.95, 0.2, 0.4, 0.3, BIAS, 4, false, Set.of(9));
    static final int PROMPT = 3;
    static final List<Integer> HISTORY = List.of(4, 1, 7, 4, 3, 4); // output: 4, 3, 4 (3 generated < min_tokens 4)

    static double[] reference(Sampler.Params p, double[] logits, List<Integer> history, int prompt, int[] supports) {
        List<Integer> output = history.subList(Math.min(prompt, history.size()), history.size());
        double[] z = repetition(logits, history, p.repetitionPenalty());
        z = frequencyPresence(z, output, p.frequencyPenalty(), p.presencePenalty());
        z = bias(z, p.logitBias());
        z = banEos(z, p.eosTokens(), history.size() - prompt, p.minTokens(), p.ignoreEos());
        z = temperature(z, p.temperature());
        int s = 0;
        supports[s++] = support(softmax(z));
        if (p.topK() > 0) z = topK(z, p.topK());
        supports[s++] = support(softmax(z));
        z = typicalHf(z, p.typicalP());
        supports[s++] = support(softmax(z));
        z = topP(z, p.topP());
        supports[s++] = support(softmax(z));
        z = minP(z, p.minP());
        supports[s] = support(softmax(z));
        return softmax(z);
    }

    @Test
    void theStepsComposeInTheStatedOrder() {
        int[] supports = new int[5];
        double[] want = reference(ALL, L, HISTORY, PROMPT, supports);
        assertDistribution(want, dist(ALL, PROMPT, L, HISTORY), "all steps");
        // each filter removed something (bias and EOS ban: 2 and 9 gone before top-k)
        assertEquals(8, supports[0]);
        for (int i = 1; i < supports.length; i++)
            assertTrue(supports[i] < supports[i - 1], "step " + i + " removes: " + Arrays.toString(supports));
        // once min_tokens is reached the EOS is back
        List<Integer> longer = List.of(4, 1, 7, 4, 3, 4, 8);
        assertDistribution(reference(ALL, L, longer, PROMPT, supports), dist(ALL, PROMPT, L, longer), "EOS back");
    }

    @Test
    void largeVocabularyFiltersMatchTheReference() {
        java.util.Random rnd = new java.util.Random(5);
        double[] l = new double[50257];
        for (int i = 0; i < l.length; i++) l[i] = rnd.nextGaussian() * 2.5;
        List<Integer> history = List.of(11, 500, 11, 40000, 7);
        Sampler.Params base = SAMPLE.withRepetitionPenalty(1.2);
        double[] z = repetition(l, history, 1.2);
        assertDistribution(softmax(topP(z, 0.9)), dist(base.withTopP(0.9), 0, l, history), "top-p");
        assertDistribution(softmax(typicalHf(z, 0.9)), dist(base.withTypicalP(0.9), 0, l, history), "typical");
        assertDistribution(softmax(minP(z, 0.02)), dist(base.withMinP(0.02), 0, l, history), "min-p");
        assertDistribution(
                softmax(topP(topK(z, 300), 0.7)), dist(base.withTopK(300).withTopP(0.7), 0, l, history), "k, p");
        assertDistribution(
                softmax(minP(topP(typicalHf(z, 0.5), 0.8), 0.1)),
                dist(base.withTypicalP(0.5).withTopP(0.8).withMinP(0.1), 0, l, history),
                "typical, p, min-p");
    }

    // ---- the draw ----

    static void assertDrawsFollow(Sampler.Params p, int prompt, double[] logits, List<Integer> history, double[] want) {
        Sampler s = new Sampler(p, prompt);
        int draws = 20_000;
        int[] count = new int[logits.length];
        for (int i = 0; i < draws; i++) count[s.next(logits.clone(), history)]++;
        for (int t = 0; t < logits.length; t++) {
            assertEquals(want[t], count[t] / (double) draws, 0.015, "token " + t + ": " + Arrays.toString(count));
            if (want[t] == 0) assertEquals(0, count[t], "token " + t + " has probability 0");
        }
    }

    @Test
    void seededDrawsFollowTheDistribution() {
        int[] supports = new int[5];
        assertDrawsFollow(ALL, PROMPT, L, HISTORY, reference(ALL, L, HISTORY, PROMPT, supports));
        // the plain path (no filter): bias and EOS ban only
        var plain = SAMPLE.withLogitBias(BIAS).withEos(0, true, Set.of(9));
        assertDrawsFollow(plain, 0, L, List.of(), softmax(banEos(bias(L, BIAS), Set.of(9), 0, 0, true)));
        // each filter alone
        assertDrawsFollow(SAMPLE.withTypicalP(0.6), 0, L, List.of(), softmax(typicalHf(L, 0.6)));
        assertDrawsFollow(SAMPLE.withMinP(0.15), 0, L, List.of(), softmax(minP(L, 0.15)));
        assertDrawsFollow(SAMPLE.withTopK(3).withTopP(0.7), 0, L, List.of(), softmax(topP(topK(L, 3), 0.7)));
    }

    @Test
    void sameSeedSameTokens() {
        for (var p : List.of(
                ALL, SAMPLE, SAMPLE.withTypicalP(0.7), SAMPLE.withMinP(0.1).withTopK(5))) {
            List<Integer> a = new ArrayList<>(), b = new ArrayList<>(), c = new ArrayList<>();
            Sampler s1 = new Sampler(p, PROMPT), s2 = new Sampler(p, PROMPT), s3 = new Sampler(p.withSeed(8), PROMPT);
            for (int i = 0; i < 300; i++) {
                a.add(s1.next(L.clone(), HISTORY));
                b.add(s2.next(L.clone(), HISTORY));
                c.add(s3.next(L.clone(), HISTORY));
            }
            assertEquals(a, b, p.toString());
            assertNotEquals(a, c, "another seed: " + p);
        }
    }

    @Test
    void greedyIsTheArgmaxOfTheProcessedLogits() {
        var g = ALL.withTemperature(0);
        double[] z = banEos(
                bias(frequencyPresence(repetition(L, HISTORY, 1.3), HISTORY.subList(3, 6), 0.4, 0.3), BIAS),
                Set.of(9),
                3,
                4,
                false);
        int best = 0;
        for (int i = 1; i < z.length; i++) if (z[i] > z[best]) best = i;
        assertEquals(best, new Sampler(g, PROMPT).next(L.clone(), HISTORY));
        double[] oneHot = new double[L.length];
        oneHot[best] = 1;
        assertArrayEquals(oneHot, new Sampler(g, PROMPT).distribution(L.clone(), HISTORY));
    }

    @Test
    void theSteadyStateAllocatesNothingPerToken() {
        assumeHotSpot();
        var bean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Random rnd = new java.util.Random(3);
        double[] l = new double[50257], scratch = new double[l.length];
        for (int i = 0; i < l.length; i++) l[i] = rnd.nextGaussian() * 2;
        List<Integer> history = new ArrayList<>();
        for (int i = 0; i < 400; i++) history.add(rnd.nextInt(l.length));
        Map<Integer, Double> b = new HashMap<>();
        for (int i = 0; i < 50; i++) b.put(rnd.nextInt(l.length), rnd.nextDouble() * 200 - 100);
        for (var p : List.of(
                ALL.withLogitBias(b),
                ALL.withLogitBias(b).withTopK(0),
                SAMPLE.withLogitBias(b).withFrequencyPenalty(0.5).withRepetitionPenalty(1.1))) {
            Sampler s = new Sampler(p, 100);
            for (int i = 0; i < 30; i++) {
                System.arraycopy(l, 0, scratch, 0, l.length);
                s.next(scratch, history);
            }
            long tid = Thread.currentThread().getId();
            long before = bean.getThreadAllocatedBytes(tid);
            for (int i = 0; i < 100; i++) {
                System.arraycopy(l, 0, scratch, 0, l.length);
                s.next(scratch, history);
            }
            long bytes = bean.getThreadAllocatedBytes(tid) - before;
            assertTrue(bytes < 64 * 1024, p + ": " + bytes + " bytes over 100 tokens");
        }
    }

    static void assumeHotSpot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    }

    // ---- parameters ----

    static void assertRefused(String name, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e::run, name);
        assertTrue(x.getMessage().contains(name), x.getMessage() + " names " + name);
    }

    interface Executable {
        void run();
    }

    @Test
    void validationNamesTheParameter() {
        Sampler.Params p = SAMPLE;
        for (double bad : new double[] {-1, 1e-6, Double.NaN, Double.POSITIVE_INFINITY})
            assertRefused("temperature", () -> p.withTemperature(bad));
        assertRefused("top_k", () -> p.withTopK(-1));
        for (double bad : new double[] {0, -0.1, 1.01, Double.NaN}) assertRefused("top_p", () -> p.withTopP(bad));
        for (double bad : new double[] {0.001, 101, Double.NaN})
            assertRefused("repetition_penalty", () -> p.withRepetitionPenalty(bad));
        for (double bad : new double[] {0, -0.5, 1.5, Double.NaN})
            assertRefused("typical_p", () -> p.withTypicalP(bad));
        for (double bad : new double[] {-0.01, 1.01, Double.NaN}) assertRefused("min_p", () -> p.withMinP(bad));
        for (double bad : new double[] {-2.01, 2.01, Double.NaN, Double.NEGATIVE_INFINITY}) {
            assertRefused("frequency_penalty", () -> p.withFrequencyPenalty(bad));
            assertRefused("presence_penalty", () -> p.withPresencePenalty(bad));
        }
        for (double bad : new double[] {-100.5, 100.5, Double.NaN, Double.POSITIVE_INFINITY})
            assertRefused("logit_bias", () -> p.withLogitBias(Map.of(1, bad)));
        assertRefused("logit_bias", () -> p.withLogitBias(Map.of(-1, 1.0)));
        Map<Integer, Double> nullValue = new HashMap<>();
        nullValue.put(1, null);
        assertRefused("logit_bias", () -> p.withLogitBias(nullValue));
        assertRefused("min_tokens", () -> p.withEos(-1, false, Set.of()));
        assertRefused("eos_tokens", () -> p.withEos(0, false, Set.of(-3)));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(p, -1));
        // the limits are accepted
        p.withTemperature(Sampler.MIN_TEMPERATURE)
                .withTopP(1)
                .withTypicalP(1)
                .withMinP(1)
                .withMinP(0);
        p.withFrequencyPenalty(-2).withPresencePenalty(2).withLogitBias(Map.of(0, -100.0, 1, 100.0));
        p.withRepetitionPenalty(Sampler.MIN_PENALTY).withRepetitionPenalty(Sampler.MAX_PENALTY);
    }

    @Test
    void defaultsCopiesAndWithers() {
        var p = new Sampler.Params(0.7, 40, 0.9, 1.1, 5);
        assertEquals(1, p.typicalP());
        assertEquals(0, p.minP());
        assertEquals(0, p.frequencyPenalty());
        assertEquals(0, p.presencePenalty());
        assertEquals(Map.of(), p.logitBias());
        assertEquals(0, p.minTokens());
        assertFalse(p.ignoreEos());
        assertEquals(Set.of(), p.eosTokens());
        assertEquals(new Sampler.Params(0, 0, 1, 1, 0), Sampler.Params.greedy());
        var n = new Sampler.Params(1, 0, 1, 1, 0, 1, 0, 0, 0, null, 0, false, null);
        assertEquals(Map.of(), n.logitBias());
        assertEquals(Set.of(), n.eosTokens());
        // copied and unmodifiable
        Map<Integer, Double> b = new HashMap<>(Map.of(1, 2.0));
        Set<Integer> eos = new HashSet<>(Set.of(3));
        var c = p.withLogitBias(b).withEos(2, true, eos);
        b.put(2, 1.0);
        eos.add(4);
        assertEquals(Map.of(1, 2.0), c.logitBias());
        assertEquals(Set.of(3), c.eosTokens());
        assertThrows(UnsupportedOperationException.class, () -> c.logitBias().put(5, 1.0));
        assertThrows(UnsupportedOperationException.class, () -> c.eosTokens().add(5));
        // each wither changes its one thing
        assertEquals(
                new Sampler.Params(0.7, 40, 0.9, 1.1, 9, 0.8, 0.1, 0.5, -0.5, Map.of(1, 2.0), 2, true, Set.of(3)),
                c.withSeed(9)
                        .withTypicalP(0.8)
                        .withMinP(0.1)
                        .withFrequencyPenalty(0.5)
                        .withPresencePenalty(-0.5));
        assertEquals(
                new Sampler.Params(0.3, 7, 0.5, 1.4, 5),
                p.withTemperature(0.3).withTopK(7).withTopP(0.5).withRepetitionPenalty(1.4));
    }
}
