package io.inrank.model.generate;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GenerationTest {

    static java.util.stream.Stream<Backend> backends() {
        return TestBackends.all();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void kvCacheDecodingEqualsFullRecomputationAtEveryPosition(Backend be) {
        for (GptConfig.Mode mode : GptConfig.Mode.values()) {
            GptConfig cfg = new GptConfig(40, 12, 2, 2, 16, mode, true, 0.0, 1e-5);
            int t = 12;
            GptModel full = new GptModel(be, cfg, 1, t, DType.F64, 9, null);
            if (cfg.lowRank()) for (int i = 0; i < 4; i++) full.setActiveModes(i, 2 + i);
            int[] ids = new Random(1).ints(t, 0, 40).toArray();
            full.forward(ids, null, false);
            double[] want = be.toHost(full.logits());
            KvDecoder dec = new KvDecoder(full);
            for (int pos = 0; pos < t; pos++) {
                double[] got = be.toHost(dec.next(ids[pos]));
                double err = TestBackends.maxAbs(got, java.util.Arrays.copyOfRange(want, pos * 40, pos * 40 + 40));
                assertTrue(err < 1e-12, be.name() + " " + mode + " position " + pos + ": max |Δ| " + err);
            }
            assertThrows(IllegalStateException.class, () -> dec.next(0), "context full");
        }
    }

    @Test
    void tokenizerRoundTripsAndGeneratorStopsAtTheRequestedLength() {
        int[] ids = Gpt2Tokenizer.encode("Hello world, naïve café!");
        assertEquals("Hello world, naïve café!", Gpt2Tokenizer.decode(ids));
        assertArrayEquals(new int[] {15496, 995}, Gpt2Tokenizer.encode("Hello world")); // GPT-2's ids
        assertArrayEquals(
                new int[] {27, 91, 437, 1659, 5239, 91, 29},
                Gpt2Tokenizer.encode("<|endoftext|>"),
                "ordinary text, not EOS");

        GptConfig cfg = new GptConfig(50257, 32, 1, 2, 16, GptConfig.Mode.INRANK, true, 0.0, 1e-5);
        GptModel m = new GptModel(TestBackends.nd4j(), cfg, 1, 1, DType.F32, 4, null);
        Generator g = new Generator(m);
        List<Integer> streamed = new ArrayList<>();
        Generator.Result r = g.generate(ids, 5, Sampler.Params.greedy(), streamed::add);
        assertEquals(5, r.generated().length);
        assertEquals(Generator.Finish.LENGTH, r.finish());
        assertEquals(streamed, java.util.Arrays.stream(r.generated()).boxed().toList());
        // greedy is deterministic; a seeded sampler too
        assertArrayEquals(
                r.generated(), g.generate(ids, 5, Sampler.Params.greedy(), null).generated());
        var p = new Sampler.Params(1.0, 50, 0.9, 1.1, 123);
        assertArrayEquals(
                g.generate(ids, 8, p, null).generated(),
                g.generate(ids, 8, p, null).generated());
        // the context bounds the output
        Generator.Result full = g.generate(ids, 100, Sampler.Params.greedy(), null);
        assertEquals(32 - ids.length + 1, full.generated().length);
    }

    @Test
    void samplingRules() {
        double[] base = {1.0, 3.0, 2.5, -1.0, 0.5};
        assertEquals(1, new Sampler(Sampler.Params.greedy()).next(base.clone(), List.of()));
        // repetition penalty: token 1 was seen, 3.0/2 = 1.5 < 2.5, so token 2 wins
        assertEquals(2, new Sampler(new Sampler.Params(0, 0, 1, 2.0, 0)).next(base.clone(), List.of(1)));
        // top-k 1 and a tiny top-p are greedy whatever the temperature
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(1, new Sampler(new Sampler.Params(5.0, 1, 1, 1, seed)).next(base.clone(), List.of()));
            assertEquals(1, new Sampler(new Sampler.Params(5.0, 0, 0.01, 1, seed)).next(base.clone(), List.of()));
        }
        // top-k 2 only ever yields the two best tokens; seeded draws repeat
        List<Integer> a = new ArrayList<>(), b = new ArrayList<>();
        Sampler s1 = new Sampler(new Sampler.Params(1.0, 2, 1, 1, 7)),
                s2 = new Sampler(new Sampler.Params(1.0, 2, 1, 1, 7));
        for (int i = 0; i < 200; i++) {
            a.add(s1.next(base.clone(), List.of()));
            b.add(s2.next(base.clone(), List.of()));
        }
        assertEquals(a, b);
        assertTrue(a.stream().allMatch(x -> x == 1 || x == 2));
        assertTrue(a.contains(1) && a.contains(2));
        // the empirical frequency follows softmax at temperature 1: p(1)/(p(1)+p(2)) = 1/(1+e^-0.5) ≈ 0.622
        Sampler s3 = new Sampler(new Sampler.Params(1.0, 2, 1, 1, 3));
        int ones = 0;
        for (int i = 0; i < 20000; i++) if (s3.next(base.clone(), List.of()) == 1) ones++;
        assertEquals(0.6225, ones / 20000.0, 0.015);
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Params(-1, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Params(1, 0, 0, 1, 0));
        // the values that gave NaN logits (always token 0): a subnormal temperature or penalty, or infinity
        for (double bad : new double[] {Double.MIN_VALUE, 1e-6, Double.POSITIVE_INFINITY, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> new Sampler.Params(bad, 0, 1, 1, 0), "t=" + bad);
            assertThrows(IllegalArgumentException.class, () -> new Sampler.Params(1, 0, 1, bad, 0), "rp=" + bad);
        }
        // at the limits every draw is a real token of a finite distribution, never NaN's token 0
        double[] big = new double[] {-30, 30, 29.5, -30};
        Sampler boost = new Sampler(new Sampler.Params(Sampler.MIN_TEMPERATURE, 0, 1, Sampler.MIN_PENALTY, 1));
        assertEquals(1, boost.next(big.clone(), List.of(1)), "30 / 0.01 / 1e-5 = 3e8: large, finite");
        Sampler damp = new Sampler(new Sampler.Params(Sampler.MIN_TEMPERATURE, 0, 1, Sampler.MAX_PENALTY, 1));
        assertEquals(2, damp.next(big.clone(), List.of(1)), "30 / 100 = 0.3 < 29.5");
    }

    @Test
    void topKeysSelectedThenSortedEqualAFullSortsTail() {
        java.util.Random rnd = new java.util.Random(9);
        for (int v : new int[] {1, 2, 7, 1000, 50257}) {
            long[] keys = new long[v];
            java.util.Set<Long> seen = new java.util.HashSet<>();
            for (int i = 0; i < v; i++) {
                long k;
                do k = rnd.nextInt(v * 3 + 5);
                while (!seen.add(k)); // distinct, many near-equal neighbours
                keys[i] = k;
            }
            long[] full = keys.clone();
            java.util.Arrays.sort(full);
            for (int k : new int[] {1, 2, 40, 64, 256, v - 1, v}) {
                if (k < 1 || k > v) continue;
                long[] got = keys.clone();
                Sampler.topSorted(got, k);
                assertArrayEquals(
                        java.util.Arrays.copyOfRange(full, v - k, v),
                        java.util.Arrays.copyOfRange(got, v - k, v),
                        "v=" + v + " k=" + k);
            }
        }
    }
}
