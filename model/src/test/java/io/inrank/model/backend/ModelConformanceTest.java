package io.inrank.model.backend;

import static io.inrank.model.backend.Conformance.check;
import static io.inrank.model.backend.Conformance.checkScalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.generate.BatchDecoder;
import io.inrank.model.inrank.Stage2Resize;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole model on every backend under test against the reference backend: the same weights, tokens and dropout
 * masks (dropout on) give the same loss, gradients and parameters after 3 AdamW steps; InRank stage 1 → resize →
 * stage 2 gives the same factors; spectra agree; KV-cache decoding equals full recomputation. Two shapes: heads of 16
 * (the vector kernels) and of 12 (the general ones).
 */
class ModelConformanceTest {

    static java.util.stream.Stream<Object[]> backends() {
        return TestBackends.subjectsAndTypes();
    }

    @AfterAll
    static void printTable() {
        System.out.println("model conformance against the reference backend:\n" + Conformance.table());
    }

    static GptConfig config(GptConfig.Mode mode, int dim) {
        return new GptConfig(97, 24, 2, 2, dim, mode, true, 0.1, 1e-5);
    }

    /** One training step: dropout step s, forward, backward, clip, AdamW; returns the loss. */
    static double step(GptModel m, AdamW opt, int[] ids, int[] tg, int s) {
        m.setDropoutStep(s);
        m.params().zeroGrad();
        double loss = m.forward(ids, tg, true);
        m.backward(1.0);
        AdamW.clipGradNorm(m.params(), 1.0);
        opt.step(1e-2);
        return loss;
    }

    /**
     * Per dtype: {loss, gradients, parameters after 3 steps, spectra, logits} relative tolerances, near the measured
     * errors (2026-12, nd4j: float32 2.5e-8, 3.2e-7, 4.3e-5 (Adam turns float rounding of near-zero gradients into
     * full steps), 7.2e-8, 4e-7; float64 3.9e-16, 7.2e-16, 1.9e-13, 7.8e-16, 9.2e-16).
     */
    static double[] tol(DType t) {
        return t == DType.F32
                ? new double[] {2e-7, 2e-6, 2e-4, 1e-6, 2e-6}
                : new double[] {1e-14, 1e-14, 5e-12, 1e-14, 1e-14};
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void trainingStepsWithDropout(Backend be, DType t) {
        for (GptConfig.Mode mode :
                new GptConfig.Mode[] {GptConfig.Mode.FULL, GptConfig.Mode.INRANK, GptConfig.Mode.CUMULATIVE}) {
            for (int dim : new int[] {32, 24}) {
                GptConfig cfg = config(mode, dim);
                Random r = new Random(dim);
                int[][] ids = new int[3][], tg = new int[3][];
                for (int s = 0; s < 3; s++) {
                    ids[s] = r.ints(2 * 13, 0, 97).toArray();
                    tg[s] = r.ints(2 * 13, 0, 97).toArray();
                }
                String name = "model " + mode.name().toLowerCase() + " d" + dim;
                GptModel[] models = new GptModel[2];
                double[][] losses = new double[2][3];
                double[][] firstGrads = new double[2][];
                Backend[] both = {TestBackends.reference(), be};
                for (int i = 0; i < 2; i++) {
                    models[i] = new GptModel(both[i], cfg, 2, 13, t, 5, null);
                    if (cfg.lowRank()) for (int l = 0; l < 4; l++) models[i].setActiveModes(l, 3 + l);
                    AdamW opt = AdamW.paperDefaults(models[i].params());
                    for (int s = 0; s < 3; s++) {
                        losses[i][s] = step(models[i], opt, ids[s], tg[s], s);
                        if (s == 0)
                            firstGrads[i] = both[i].toHost(models[i].params().grads());
                    }
                }
                double[] tl = tol(t);
                for (int s = 0; s < 3; s++) checkScalar(name + " loss", be, t, tl[0], losses[1][s], losses[0][s]);
                double gradErr = TestBackends.maxRel(firstGrads[1], firstGrads[0]);
                Conformance.record(
                        name + " gradients", be, t, TestBackends.maxAbs(firstGrads[1], firstGrads[0]), gradErr, tl[1]);
                assertTrue(gradErr <= tl[1], name + " gradients rel err " + gradErr);
                check(name + " parameters after 3 AdamW steps", be, t, tl[2], x ->
                        new Tensor[] {models[x == be ? 1 : 0].params().values()});
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void inRankStage1ResizeStage2(Backend be, DType t) {
        GptConfig cfg = config(GptConfig.Mode.INRANK_EFFICIENT, 32);
        Random r = new Random(3);
        int[] ids = r.ints(2 * 13, 0, 97).toArray(), tg = r.ints(2 * 13, 0, 97).toArray();
        int[] ranks = {2, 3, 4, 2};
        Backend[] both = {TestBackends.reference(), be};
        GptModel[] after = new GptModel[2];
        double[][] spectra = new double[2][];
        for (int i = 0; i < 2; i++) {
            GptModel m = new GptModel(both[i], cfg, 2, 13, t, 9, null);
            for (int l = 0; l < 4; l++) m.setActiveModes(l, 6);
            AdamW opt = AdamW.paperDefaults(m.params());
            for (int s = 0; s < 2; s++) step(m, opt, ids, tg, s);
            spectra[i] = both[i].singularValues(
                    both[i].rows(m.params().value("h.1.mlp.fc1.A"), 6),
                    both[i].rows(m.params().value("h.1.mlp.fc1.Bt"), 6));
            Stage2Resize.Resized z = Stage2Resize.resize(m, opt, ranks, 9);
            for (int s = 2; s < 4; s++) step(z.model(), z.optimizer(), ids, tg, s);
            after[i] = z.model();
        }
        double sErr = TestBackends.maxRel(spectra[1], spectra[0]);
        Conformance.record(
                "model spectra (stage 1)", be, t, TestBackends.maxAbs(spectra[1], spectra[0]), sErr, tol(t)[3]);
        assertTrue(sErr <= tol(t)[3], "spectra rel err " + sErr);
        assertEquals(after[0].params().count(), after[1].params().count());
        check("model stage 1 → resize → stage 2 parameters", be, t, tol(t)[2] * 2.5, x ->
                new Tensor[] {after[x == be ? 1 : 0].params().values()});
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void kvDecodingEqualsFullRecomputation(Backend be, DType t) {
        for (GptConfig.Mode mode :
                new GptConfig.Mode[] {GptConfig.Mode.FULL, GptConfig.Mode.INRANK, GptConfig.Mode.CUMULATIVE}) {
            for (int dim : new int[] {32, 24}) {
                GptConfig cfg = config(mode, dim).withDropout(0);
                int len = 17;
                int[] ids = new Random(dim + 1).ints(len, 0, 97).toArray();
                GptModel full = new GptModel(be, cfg, 1, len, t, 4, null);
                if (cfg.lowRank()) for (int l = 0; l < 4; l++) full.setActiveModes(l, 2 + 3 * l);
                full.forward(ids, null, false);
                double[] want = be.toHost(full.logits());
                BatchDecoder dec = new BatchDecoder(full, 3);
                dec.prefill(1, ids, 0, 3); // a 3-row chunk, then one token per step
                double worst = 0;
                for (int pos = 3; pos < len; pos++) {
                    double[] got = be.toHost(dec.step(new int[] {ids[pos]}, new int[] {1}, 1));
                    double[] row = java.util.Arrays.copyOfRange(want, pos * 97, pos * 97 + 97);
                    worst = Math.max(worst, TestBackends.maxRel(got, row));
                }
                double tl = tol(t)[4];
                Conformance.record("KV decoding vs full recomputation (same backend)", be, t, worst, worst, tl);
                assertTrue(worst <= tl, mode + " d" + dim + ": decoding vs recomputation rel err " + worst);
                check("model logits", be, t, tol(t)[4], x -> {
                    GptModel m = new GptModel(x, cfg, 1, len, t, 4, null);
                    if (cfg.lowRank()) for (int l = 0; l < 4; l++) m.setActiveModes(l, 2 + 3 * l);
                    m.forward(ids, null, false);
                    return new Tensor[] {m.logits()};
                });
            }
        }
    }
}
