package io.inrank.model.generate;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched decoder against one-slot decoding, with sequences at different positions (decoding against full
 * recomputation: GenerationTest and the model conformance suite).
 */
class BatchDecoderTest {
    static final Backend BE = TestBackends.nd4j();

    @Test
    void batchedStepsEqualSingleSequenceDecoding() {
        for (GptConfig.Mode mode :
                new GptConfig.Mode[] {GptConfig.Mode.INRANK, GptConfig.Mode.FULL, GptConfig.Mode.CUMULATIVE}) {
            GptConfig cfg = new GptConfig(300, 32, 2, 2, 16, mode, true, 0.0, 1e-5);
            GptModel m = new GptModel(BE, cfg, 1, 1, DType.F64, 3, null);
            if (cfg.lowRank()) for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 3);
            Random r = new Random(1);
            int seqs = 3, len = 12;
            int[][] tokens = new int[seqs][len];
            for (int[] t : tokens) for (int i = 0; i < len; i++) t[i] = r.nextInt(300);
            double[][][] expected = new double[seqs][len][];
            for (int s = 0; s < seqs; s++) {
                KvDecoder d = new KvDecoder(m);
                for (int i = 0; i < len; i++) expected[s][i] = m.backend().toHost(d.next(tokens[s][i]));
            }
            // sequence s starts s·2 steps late, uses slot (2 − s), and the batch shrinks/grows as they come and go
            BatchDecoder b = new BatchDecoder(m, 4);
            int[] at = new int[seqs];
            int[] in = new int[4], slot = new int[4], who = new int[4];
            for (int step = 0; step < len + 2 * seqs; step++) {
                int n = 0;
                for (int s = 0; s < seqs; s++) {
                    if (step < 2 * s || at[s] >= len) continue;
                    if (at[s] == 0) b.reset(2 - s);
                    in[n] = tokens[s][at[s]];
                    slot[n] = 2 - s;
                    who[n++] = s;
                }
                if (n == 0) continue;
                b.step(in, slot, n);
                for (int i = 0; i < n; i++) {
                    int s = who[i];
                    double[] got = m.backend().toHost(b.row(i));
                    double[] want = expected[s][at[s]];
                    for (int v = 0; v < want.length; v++)
                        assertEquals(want[v], got[v], 1e-12, mode + " seq " + s + " token " + at[s]);
                    at[s]++;
                }
            }
            for (int s = 0; s < seqs; s++) assertEquals(len, at[s]);
        }
    }

    /**
     * Float32 through the Vector-API kernels: eleven sequences decoded together (one whole 8-row tile and three single
     * rows) get bit-identical logits to each decoded alone, so seeded sampling gives each client its single-client
     * answer; and both agree with the single-sequence reference decoder to float rounding.
     */
    @Test
    void float32BatchedLogitsAreBitIdenticalToDecodingAlone() {
        for (GptConfig.Mode mode :
                new GptConfig.Mode[] {GptConfig.Mode.INRANK, GptConfig.Mode.FULL, GptConfig.Mode.CUMULATIVE}) {
            GptConfig cfg = new GptConfig(301, 16, 2, 3, 48, mode, true, 0.0, 1e-5);
            GptModel m = new GptModel(BE, cfg, 1, 1, DType.F32, 5, null);
            if (cfg.lowRank()) for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 5);
            Random r = new Random(2);
            int seqs = 11, len = 6;
            int[][] tokens = new int[seqs][len];
            for (int[] t : tokens) for (int i = 0; i < len; i++) t[i] = r.nextInt(301);
            BatchDecoder batch = new BatchDecoder(m, seqs), alone = new BatchDecoder(m, 1);
            double[][][] together = new double[seqs][len][];
            int[] in = new int[seqs], slot = new int[seqs];
            for (int s = 0; s < seqs; s++) {
                slot[s] = s;
                batch.reset(s);
            }
            for (int i = 0; i < len; i++) {
                for (int s = 0; s < seqs; s++) in[s] = tokens[s][i];
                batch.step(in, slot, seqs);
                for (int s = 0; s < seqs; s++) together[s][i] = m.backend().toHost(batch.row(s));
            }
            for (int s = 0; s < seqs; s++) {
                alone.reset(0);
                KvDecoder reference = new KvDecoder(m);
                for (int i = 0; i < len; i++) {
                    double[] solo = m.backend().toHost(alone.step(new int[] {tokens[s][i]}, new int[] {0}, 1));
                    assertArrayEquals(
                            solo, together[s][i], mode + " seq " + s + " token " + i + ": batched differs from alone");
                    double[] ref = m.backend().toHost(reference.next(tokens[s][i]));
                    for (int v = 0; v < ref.length; v++)
                        assertEquals(ref[v], solo[v], 1e-4, mode + " vs reference, seq " + s);
                }
            }
        }
    }

    /**
     * A prompt prefilled in chunks (8, 8, 4 rows of one sequence) and then stepped leaves the same cache as feeding it
     * one token per step: float32 logits of the last prompt token and of the tokens after it are bit-identical;
     * float64 (GEMM for many rows) agrees with the single-sequence reference to rounding.
     */
    @Test
    void prefillInChunksEqualsFeedingThePromptOneTokenPerStep() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (GptConfig.Mode mode :
                    new GptConfig.Mode[] {GptConfig.Mode.INRANK, GptConfig.Mode.FULL, GptConfig.Mode.CUMULATIVE}) {
                GptConfig cfg = new GptConfig(301, 64, 2, 3, 48, mode, true, 0.0, 1e-5);
                GptModel m = new GptModel(BE, cfg, 1, 1, dtype, 7, null);
                if (cfg.lowRank()) for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 5);
                Random r = new Random(3);
                int[] prompt = new int[21];
                for (int i = 0; i < prompt.length; i++) prompt[i] = r.nextInt(301);
                BatchDecoder stepped = new BatchDecoder(m, 1), chunked = new BatchDecoder(m, 8);
                KvDecoder reference = new KvDecoder(m);
                double[] a = null;
                for (int t : prompt) {
                    a = m.backend().toHost(stepped.step(new int[] {t}, new int[] {0}, 1));
                    reference.next(t);
                }
                chunked.reset(5);
                for (int from = 0; from < prompt.length - 1; from += 8)
                    chunked.prefill(5, prompt, from, Math.min(8, prompt.length - 1 - from));
                assertEquals(prompt.length - 1, chunked.position(5));
                int[] next = {prompt[prompt.length - 1]};
                for (int k = 0; k < 4; k++) {
                    double[] b = m.backend().toHost(chunked.step(next, new int[] {5}, 1));
                    String what = dtype + " " + mode + " token " + k + " after the prompt";
                    if (dtype == DType.F32) assertArrayEquals(a, b, what);
                    else for (int v = 0; v < a.length; v++) assertEquals(a[v], b[v], 1e-12, what);
                    next[0] = argmax(a);
                    a = m.backend().toHost(stepped.step(next, new int[] {0}, 1));
                }
                assertThrows(
                        IllegalArgumentException.class, () -> chunked.prefill(5, prompt, 0, 9), "more rows than slots");
                BatchDecoder full = new BatchDecoder(m, 8);
                for (int from = 0; from < 64; from += 8) full.prefill(0, new int[64], from, 8);
                assertThrows(
                        IllegalStateException.class, () -> full.prefill(0, new int[] {1}, 0, 1), "past the context");
            }
        }
    }

    /** A rank that grows after the decoder was made is picked up at the next step (copies and scratch remade). */
    @Test
    void aRankChangeIsPickedUpAtTheNextStep() {
        GptConfig cfg = new GptConfig(301, 16, 2, 3, 48, GptConfig.Mode.INRANK, true, 0.0, 1e-5);
        GptModel m = new GptModel(BE, cfg, 1, 1, DType.F32, 9, null);
        for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 2);
        BatchDecoder early = new BatchDecoder(m, 2);
        for (int i = 0; i < m.inRankLayers(); i++) m.setActiveModes(i, 20 + i); // wider than any earlier copy
        BatchDecoder fresh = new BatchDecoder(m, 2);
        double[] a = BE.toHost(early.step(new int[] {7, 8}, new int[] {0, 1}, 2));
        double[] b = BE.toHost(fresh.step(new int[] {7, 8}, new int[] {0, 1}, 2));
        assertArrayEquals(b, a);
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
