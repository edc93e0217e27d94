package io.inrank.model;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.model.backend.TestBackends;
import io.inrank.model.io.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity with the PyTorch reference (src/test/python/gpt_reference.py, golden files in src/test/resources/golden,
 * computed in float64) for the dense, factored and cumulative (W_0 + factors, W_0 read from the file) models, on every
 * backend: same weights and tokens; logits, loss and every gradient, and parameters
 * after 3 AdamW steps (linear warmup schedule, weight decay, clipping). Error = max|java − torch| / max|torch| per
 * tensor. Bounds sit within ~100× of the measured errors (2026-12: float64 logits ≤ 8e-16, gradients ≤ 3.2e-15,
 * parameters ≤ 2.1e-13; float32 loss ≤ 1.2e-8, logits ≤ 4.5e-7, gradients ≤ 1.1e-6), so a real bug cannot hide under them. In float32, Adam turns the rounding noise of
 * gradients that are zero in exact arithmetic into full-size steps of random sign, so 3-step parameters are compared
 * in float64 only.
 */
class TorchParityTest {

    static Stream<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        List<Backend> backends = new ArrayList<>(TestBackends.subjects());
        backends.add(0, TestBackends.reference());
        for (Backend be : backends) {
            for (String golden : new String[] {"tiny-full", "tiny-inrank", "tiny-cumulative"})
                for (DType t : DType.values()) if (be.supports(t)) out.add(new Object[] {be, golden, t});
        }
        return out.stream();
    }

    /**
     * The golden file, from the model module (Maven), the repository root (ConformanceMain on the GPU host) or a
     * sibling module (backend-cuda's tests of ConformanceMain).
     */
    static Path golden(String name) {
        Path inModule = Path.of("src/test/resources/golden", name + ".safetensors");
        for (Path p : List.of(
                inModule,
                Path.of("model").resolve(inModule),
                Path.of("../model").resolve(inModule))) if (java.nio.file.Files.exists(p)) return p;
        return inModule;
    }

    static double relErr(Backend be, Tensor java, Safetensors.HostTensor torch) {
        double[] j = be.toHost(java), t = torch.asDoubles();
        assertEquals(t.length, j.length, "sizes");
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < t.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(j[i] - t[i]));
            maxRef = Math.max(maxRef, Math.abs(t[i]));
        }
        return maxDiff / Math.max(1e-30, maxRef);
    }

    static int[] ints(Safetensors.HostTensor tokens, boolean inputs) {
        int b = (int) tokens.shape()[0], t1 = (int) tokens.shape()[1];
        int[] out = new int[b * (t1 - 1)];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < t1 - 1; j++)
                out[i * (t1 - 1) + j] = (int) tokens.get((long) i * t1 + (inputs ? j : j + 1));
        return out;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesPyTorch(Backend be, String name, DType dtype) throws Exception {
        Path file = golden(name);
        Safetensors.Contents g = Safetensors.read(file);
        int vocab = Integer.parseInt(g.metadata().get("vocab"));
        int seq = Integer.parseInt(g.metadata().get("seq")),
                batch = Integer.parseInt(g.metadata().get("batch"));
        GptConfig.Mode mode = switch (g.metadata().get("mode")) {
            case "inrank" -> GptConfig.Mode.INRANK;
            case "cumulative" -> GptConfig.Mode.CUMULATIVE; // W_0 + the factors; W_0 from the file
            default -> GptConfig.Mode.FULL;
        };
        GptConfig cfg = GptConfig.preset("tiny", mode).withVocab(vocab).withDropout(0.0);
        GptModel model = new GptModel(be, cfg, batch, seq, dtype, 0, null);
        Params p = model.params();
        for (Params.Entry t : p.all().values())
            p.backend().fromHost(t.value(), g.get("init." + t.name()).asDoubles());
        for (int i = 0; i < model.inRankLayers() && cfg.cumulative(); i++)
            p.backend()
                    .fromHost(
                            model.base(i),
                            g.get("base." + GptModel.inRankName(i)).asDoubles());
        if (cfg.lowRank()) {
            String[] k = g.metadata().get("k").replaceAll("[\\[\\] ]", "").split(",");
            for (int i = 0; i < k.length; i++) model.setActiveModes(i, Integer.parseInt(k[i]));
        }
        AdamW opt = AdamW.paperDefaults(p);
        LrSchedule lr = new LrSchedule(1e-3, 2, 10, false);
        double worstLogits = 0, worstGrad = 0, worstParam = 0, lossErr = 0;
        String worstGradName = "";
        for (int step = 0; step < 3; step++) {
            Safetensors.HostTensor tokens = g.get("tokens." + step);
            int[] x = ints(tokens, true), y = ints(tokens, false);
            p.zeroGrad();
            if (step == 0) {
                model.forward(x, null, false);
                worstLogits = relErr(be, model.logits(), g.get("logits"));
            }
            double loss = model.forward(x, y, false);
            model.backward(1.0);
            if (step == 0) {
                lossErr = Math.abs(loss - g.get("loss").get(0))
                        / Math.abs(g.get("loss").get(0));
                for (Params.Entry t : p.all().values()) {
                    double e = relErr(be, t.grad(), g.get("grad." + t.name()));
                    if (e > worstGrad) {
                        worstGrad = e;
                        worstGradName = t.name();
                    }
                }
            }
            double norm = AdamW.clipGradNorm(p, 1.0);
            if (dtype == DType.F64 || step == 0) {
                double want = g.get("gradnorm." + step).get(0);
                assertEquals(want, norm, (dtype == DType.F64 ? 1e-12 : 1e-6) * want, "grad norm at step " + step);
            }
            opt.step(lr.at(step));
        }
        String worstParamName = "";
        for (Params.Entry t : p.all().values()) {
            double e = relErr(be, t.value(), g.get("after3." + t.name()));
            if (e > worstParam) {
                worstParam = e;
                worstParamName = t.name();
            }
        }
        System.out.printf(
                "parity %s %s %s: loss %.2e, logits %.2e, grads %.2e (%s), params after 3 AdamW steps %.2e (%s)%n",
                be.name(), name, dtype, lossErr, worstLogits, worstGrad, worstGradName, worstParam, worstParamName);
        boolean f64 = dtype == DType.F64;
        assertTrue(lossErr <= (f64 ? 1e-14 : 1e-7), "loss rel err " + lossErr);
        assertTrue(worstLogits <= (f64 ? 1e-13 : 2e-6), "logits rel err " + worstLogits);
        assertTrue(worstGrad <= (f64 ? 1e-13 : 5e-6), "gradient rel err " + worstGrad + " in " + worstGradName);
        if (f64) assertTrue(worstParam <= 1e-11, "parameter rel err " + worstParam + " in " + worstParamName);
        for (int i = 0; i < model.inRankLayers() && cfg.cumulative(); i++)
            assertEquals(0.0, relErr(be, model.base(i), g.get("base." + GptModel.inRankName(i))), "W_0 never moves");
    }
}
