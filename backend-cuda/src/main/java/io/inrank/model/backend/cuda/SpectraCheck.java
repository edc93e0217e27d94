package io.inrank.model.backend.cuda;

import io.inrank.commands.BackendOption;
import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.rank.RankRule;
import io.inrank.rank.RatioPolicy;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpu-check spectra}: InRank stage 1 on a backend — the tiny model trained a few steps, then for every factored
 * layer the spectrum of its product on that backend and on the float64 reference (same factors), the rank decision
 * the official rule makes from each, and the stage-2 resize at that rank on both (the products A'ᵀ·Bt' compared).
 * JSON lines out; exit 1 when a decision differs or an error passes its bound.
 */
@Command(
        name = "spectra",
        mixinStandardHelpOptions = true,
        description = "InRank spectra, rank decisions and resize on a backend vs the reference backend.")
final class SpectraCheck implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--steps",
            defaultValue = "10",
            description = "Training steps before the check (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-4",
            description =
                    "Largest relative error of spectra and resized products, relative to the largest value (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() {
        Backend be = backend.open(), ref = Backends.open("reference");
        PrintWriter out = spec.commandLine().getOut();
        GptConfig cfg = GptConfig.preset("tiny", GptConfig.Mode.INRANK);
        GptModel model = new GptModel(be, cfg, LossCheck.BATCH, LossCheck.SEQ, DType.F32, 1, null);
        AdamW opt = AdamW.paperDefaults(model.params());
        int n = LossCheck.BATCH * LossCheck.SEQ;
        int[] stream = LossCheck.tokens(n * steps + 1), ids = new int[n], tg = new int[n];
        for (int s = 0; s < steps; s++) {
            System.arraycopy(stream, s * n, ids, 0, n);
            System.arraycopy(stream, s * n + 1, tg, 0, n);
            model.setDropoutStep(s);
            model.params().zeroGrad();
            model.forward(ids, tg, true);
            model.backward(1.0);
            AdamW.clipGradNorm(model.params(), 1.0);
            opt.step(LossCheck.LR);
        }
        boolean pass = true;
        int buffer = Math.max(2, cfg.maxRank() / 8);
        for (int i = 0; i < model.inRankLayers(); i++) {
            String name = GptModel.inRankName(i);
            int k = model.activeModes(i);
            Tensor a = be.rows(model.params().value(name + ".A"), k),
                    bt = be.rows(model.params().value(name + ".Bt"), k);
            Tensor ra = copy(be, ref, a), rbt = copy(be, ref, bt);
            double[] s = be.singularValues(a, bt), sRef = ref.singularValues(ra, rbt);
            double sErr = relErr(s, sRef);
            RankRule.Decision d = RankRule.decide(s, 2, buffer, cfg.maxRank(), 0.9, RatioPolicy.EXPLAINED_VARIANCE);
            RankRule.Decision dRef =
                    RankRule.decide(sRef, 2, buffer, cfg.maxRank(), 0.9, RatioPolicy.EXPLAINED_VARIANCE);
            int r = Math.max(1, dRef.newRank());
            double pErr = relErr(product(be, be.truncate(a, bt, r)), product(ref, ref.truncate(ra, rbt, r)));
            boolean ok = sErr <= tolerance && d.newRank() == dRef.newRank() && pErr <= tolerance;
            pass &= ok;
            out.printf(
                    Locale.ROOT,
                    "{\"check\":\"spectra\",\"backend\":\"%s\",\"layer\":\"%s\",\"modes\":%d,"
                            + "\"sigma_max\":%.6g,\"sv_rel_err\":%.3g,\"rank\":%d,\"rank_reference\":%d,\"resize_rel_err\":%.3g,"
                            + "\"pass\":%b}%n",
                    be.name(),
                    name,
                    k,
                    sRef[0],
                    sErr,
                    d.newRank(),
                    dRef.newRank(),
                    pErr,
                    ok);
        }
        out.printf(
                Locale.ROOT,
                "{\"check\":\"spectra-summary\",\"backend\":\"%s\",\"layers\":%d,\"tolerance\":%.0e,"
                        + "\"pass\":%b}%n",
                be.name(),
                model.inRankLayers(),
                tolerance,
                pass);
        out.flush();
        return pass ? 0 : 1;
    }

    private static Tensor copy(Backend from, Backend to, Tensor t) {
        Tensor c = to.zeros(DType.F64, t.shape());
        to.fromHost(c, from.toHost(t));
        return c;
    }

    /** A'ᵀ·Bt' on the host [in, out], from the pair truncate returned. */
    private static double[] product(Backend be, Tensor[] f) {
        int r = (int) f[0].size(0), in = (int) f[0].size(1), out = (int) f[1].size(1);
        double[] a = be.toHost(f[0]), bt = be.toHost(f[1]), p = new double[in * out];
        for (int m = 0; m < r; m++)
            for (int i = 0; i < in; i++) {
                double x = a[m * in + i];
                for (int j = 0; j < out; j++) p[i * out + j] += x * bt[m * out + j];
            }
        return p;
    }

    /** max |x − y| / max |y|. */
    static double relErr(double[] x, double[] y) {
        double d = 0, m = 0;
        for (int i = 0; i < y.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
            m = Math.max(m, Math.abs(y[i]));
        }
        return m == 0 ? d : d / m;
    }
}
