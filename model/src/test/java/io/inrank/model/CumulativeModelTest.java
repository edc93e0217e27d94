package io.inrank.model;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.TestBackends;
import io.inrank.model.inrank.DenseTwin;
import io.inrank.model.io.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cumulative InRank layer (y = x·W_0 + (x·A_kᵀ)·Bt_k + b, W_0 frozen and regenerated from the seed): its backward
 * against finite differences on every backend, W_0's generation, that W_0 never moves, the dense twin's agreement, and
 * a checkpoint that stores only the factors yet serves the same function.
 */
class CumulativeModelTest {
    @TempDir
    Path tmp;

    static Stream<Backend> backends() {
        return TestBackends.all();
    }

    static GptConfig small() {
        return new GptConfig(11, 6, 2, 2, 8, GptConfig.Mode.CUMULATIVE, true, 0.0, 1e-5);
    }

    /** Gives every factor Bt (zero at initialisation) random values, so the update path carries a signal in tests. */
    public static void randomUpdate(GptModel m, long seed) {
        Random r = new Random(seed);
        for (Params.Entry t : m.params().all().values())
            if (t.name().endsWith(".Bt"))
                m.backend().fromHost(t.value(), r.doubles(t.length(), -0.3, 0.3).toArray());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void backwardMatchesFiniteDifferencesThroughW0AndTheUpdate(Backend be) {
        GptModel m = new GptModel(be, small(), 2, 5, DType.F64, 7, null);
        randomUpdate(m, 1);
        m.setActiveModes(0, 2);
        m.setActiveModes(1, 3);
        m.setActiveModes(2, 1);
        m.setActiveModes(3, 4);
        int[][] b = ModelGradientTest.batch(new Random(8), 10, 11);
        double worst = ModelGradientTest.check(m, b[0], b[1], false);
        System.out.printf("cumulative model gradient %s: worst rel err %.2e%n", be.name(), worst);
        double[] dBt = be.toHost(m.params().grad("h.0.mlp.fc1.Bt")); // [4, 32]: rows 2, 3 inactive
        for (int i = 64; i < 128; i++) assertEquals(0.0, dBt[i], "inactive mode gradient");
    }

    @Test
    void w0IsGpt2sInitRegeneratedFromTheSeedAndNeverTrained() {
        Backend be = TestBackends.reference();
        GptConfig cfg = new GptConfig(11, 6, 2, 2, 64, GptConfig.Mode.CUMULATIVE, true, 0.0, 1e-5);
        GptModel a = new GptModel(be, cfg, 1, 6, DType.F64, 5, null),
                b = new GptModel(be, cfg, 2, 3, DType.F64, 5, null);
        GptModel c = new GptModel(be, cfg, 1, 6, DType.F64, 6, null);
        for (int l = 0; l < a.inRankLayers(); l++) {
            double[] w = be.toHost(a.base(l));
            assertArrayEquals(w, be.toHost(b.base(l)), "same seed, another shape of batch: the same W_0");
            assertNotEquals(w[0], be.toHost(c.base(l))[0], "another seed: another W_0");
            double mean = 0, sq = 0;
            for (double v : w) mean += v / w.length;
            for (double v : w) sq += (v - mean) * (v - mean) / w.length;
            double want = FrozenBase.std(cfg, l); // 16,384 draws: the sample std within ±2 %
            assertEquals(want, Math.sqrt(sq), 0.02 * want, "W_0 std of layer " + l);
            assertEquals(0, mean, 4 * want / Math.sqrt(w.length), "W_0 mean of layer " + l);
        }
        for (Params.Entry t : a.params().all().values())
            if (t.name().endsWith(".Bt"))
                assertTrue(
                        java.util.Arrays.stream(be.toHost(t.value())).allMatch(v -> v == 0), "the update starts at 0");
        assertEquals(
                GptModel.parameterCount(cfg.withMode(GptConfig.Mode.INRANK), storedMax(cfg)),
                a.params().count(),
                "W_0 is no parameter");

        // training moves the factors, never W_0
        double[] before = be.toHost(a.base(1));
        AdamW opt = AdamW.paperDefaults(a.params());
        int[][] tok = ModelGradientTest.batch(new Random(2), 6, 11);
        for (int s = 0; s < 3; s++) {
            a.params().zeroGrad();
            a.forward(tok[0], tok[1], false);
            a.backward(1.0);
            opt.step(1e-2);
        }
        assertArrayEquals(before, be.toHost(a.base(1)), "W_0 frozen");
        assertNotEquals(0.0, be.toHost(a.params().value("h.0.mlp.fc2.Bt"))[0], "the update trained");
    }

    @Test
    void theOrthogonalW0HasOrthonormalRowsOrColumnsAtGpt2sFrobeniusNorm() {
        Backend be = TestBackends.reference();
        GptConfig cfg = new GptConfig(11, 6, 2, 2, 32, GptConfig.Mode.CUMULATIVE_ORTHOGONAL, true, 0.0, 1e-5);
        GptModel m = new GptModel(be, cfg, 1, 6, DType.F64, 5, null);
        int c = cfg.dim(), h = cfg.hidden();
        for (int l = 0; l < m.inRankLayers(); l++) {
            double[] w = be.toHost(m.base(l)); // fc1 [c, h]: rows orthogonal; fc2 [h, c]: columns orthogonal
            boolean fc1 = l % 2 == 0;
            double g2 = Math.pow(FrozenBase.std(cfg, l), 2) * h; // every singular value² = std²·max(in, out)
            for (int i = 0; i < c; i++)
                for (int j = 0; j <= i; j++) {
                    double dot = 0;
                    for (int k = 0; k < h; k++) dot += fc1 ? w[i * h + k] * w[j * h + k] : w[k * c + i] * w[k * c + j];
                    assertEquals(i == j ? g2 : 0, dot, 1e-12 * g2, "layer " + l + " (" + i + ", " + j + ")");
                }
        }
        GptConfig normal = cfg.withMode(GptConfig.Mode.CUMULATIVE);
        assertNotEquals(FrozenBase.scheme(cfg.mode()), FrozenBase.scheme(normal.mode()));
    }

    private static int[] storedMax(GptConfig cfg) {
        int[] r = new int[2 * cfg.layers()];
        java.util.Arrays.fill(r, cfg.maxRank());
        return r;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void theDenseTwinWithW0PlusTheUpdateComputesTheSameLogits(Backend be) {
        GptModel m = new GptModel(be, small(), 2, 5, DType.F64, 3, null);
        randomUpdate(m, 2);
        for (int l = 0; l < 4; l++) m.setActiveModes(l, 1 + l);
        GptModel dense = DenseTwin.of(m);
        int[] ids = new Random(4).ints(10, 0, 11).toArray();
        m.forward(ids, null, false);
        dense.forward(ids, null, false);
        double[] x = be.toHost(m.logits()), y = be.toHost(dense.logits());
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], 1e-12, "logit " + i);
    }

    @Test
    void aCheckpointStoresTheFactorsAndTheSeedAndServesTheSameFunction() throws Exception {
        Backend be = TestBackends.nd4j();
        GptConfig cfg = new GptConfig(64, 16, 2, 2, 32, GptConfig.Mode.CUMULATIVE, true, 0.0, 1e-5);
        GptModel m = new GptModel(be, cfg, 1, 8, DType.F32, 11, null);
        randomUpdate(m, 3);
        for (int l = 0; l < 4; l++) m.setActiveModes(l, 2 + l);
        Path train = tmp.resolve("step-5"), served = tmp.resolve("served");
        Checkpoint.save(train, m, AdamW.paperDefaults(m.params()), new Checkpoint.State(5, 1, 11, Map.of()));
        Checkpoint.exportInference(served, m, new Checkpoint.State(5, 1, 11, Map.of()));
        int[] ids = new Random(5).ints(8, 0, 64).toArray();
        m.forward(ids, null, false);
        double[] want = be.toHost(m.logits());
        for (Path dir : new Path[] {train, served}) {
            GptModel l = Checkpoint.load(be, dir, 1, 8).model();
            for (int i = 0; i < 4; i++) assertArrayEquals(be.toHost(m.base(i)), be.toHost(l.base(i)), "W_0 rebuilt");
            l.forward(ids, null, false);
            assertArrayEquals(want, be.toHost(l.logits()), dir + ": the same logits");
        }
        long factors = Files.size(served.resolve("model.safetensors"));
        GptModel dense = DenseTwin.of(m);
        Checkpoint.save(tmp.resolve("dense"), dense, null, new Checkpoint.State(5, 2, 11, Map.of()));
        long denseBytes = Files.size(tmp.resolve("dense/model.safetensors"));
        assertTrue(factors < denseBytes, "served factors " + factors + " B < dense " + denseBytes + " B");

        // a checkpoint claiming a W_0 this build cannot regenerate is refused
        Path state = served.resolve("state.json");
        Files.writeString(state, Files.readString(state).replace(FrozenBase.SCHEME, "orthogonal/v9"));
        Exception e = assertThrows(java.io.IOException.class, () -> Checkpoint.load(be, served, 1, 8));
        assertTrue(e.getMessage().contains("cannot regenerate"), e.getMessage());
    }
}
