package io.inrank.model.backend.cuda;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.commands.BackendOption;
import io.inrank.model.AdamW;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpu-check losses}: the tiny InRank model trained for a few steps (float32, dropout on, the same seed and
 * token stream every time) on a backend, its losses compared with the nd4j losses stored in the jar
 * ({@value #STORED}), and the run repeated to show that it is bit-for-bit deterministic. JSON lines out; exit 1 when
 * a check fails.
 */
@Command(
        name = "losses",
        mixinStandardHelpOptions = true,
        description =
                "Tiny-model training losses on a backend vs the stored nd4j losses, and a repeat for determinism.")
final class LossCheck implements Callable<Integer> {
    static final String STORED = "/io/inrank/model/backend/cuda/check/tiny-losses-nd4j.json";
    static final int BATCH = 2, SEQ = 16, STEPS = 20;
    static final double LR = 1e-3;

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--tolerance",
            defaultValue = "1e-3",
            description = "Largest relative loss difference (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(
            names = "--repeat",
            defaultValue = "2",
            description = "Runs; all must give bit-identical losses (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(
            names = "--write",
            paramLabel = "FILE",
            description = "Write this run's losses as the stored file instead of checking.")
    Path write;

    @Override
    public Integer call() throws IOException {
        Backend be = backend.open();
        PrintWriter out = spec.commandLine().getOut();
        double[] first = run(be);
        if (write != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put(
                    "about",
                    "tiny InRank model, float32, dropout 0.1, batch " + BATCH + " × seq " + SEQ + ", lr " + LR
                            + ", seed 1; written by gpu-check losses --write on the " + be.name() + " backend");
            doc.put("backend", be.name());
            doc.put("losses", first);
            Files.writeString(
                    write, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
            out.printf("{\"check\":\"losses\",\"written\":\"%s\",\"steps\":%d}%n", write, first.length);
            return 0;
        }
        double[] want = stored();
        double worst = 0;
        for (int s = 0; s < first.length; s++) {
            double rel = Math.abs(first[s] - want[s]) / Math.abs(want[s]);
            worst = Math.max(worst, rel);
            out.printf(
                    Locale.ROOT,
                    "{\"check\":\"losses\",\"backend\":\"%s\",\"step\":%d,\"loss\":%.9g,\"nd4j\":%.9g,"
                            + "\"rel\":%.3g}%n",
                    be.name(),
                    s,
                    first[s],
                    want[s],
                    rel);
        }
        boolean identical = true;
        for (int i = 1; i < repeat; i++) identical &= java.util.Arrays.equals(first, run(be));
        boolean pass = worst <= tolerance && identical;
        out.printf(
                Locale.ROOT,
                "{\"check\":\"losses-summary\",\"backend\":\"%s\",\"precision\":\"%s\",\"steps\":%d,"
                        + "\"max_rel\":%.3g,\"tolerance\":%.0e,\"repeats\":%d,\"bit_identical\":%b,\"pass\":%b}%n",
                be.name(),
                backend.options().precision().label(),
                first.length,
                worst,
                tolerance,
                repeat,
                identical,
                pass);
        out.flush();
        return pass ? 0 : 1;
    }

    /** The per-step training losses of the fixed protocol on be. */
    static double[] run(Backend be) {
        GptConfig cfg = GptConfig.preset("tiny", GptConfig.Mode.INRANK);
        GptModel model = new GptModel(be, cfg, BATCH, SEQ, DType.F32, 1, null);
        AdamW opt = AdamW.paperDefaults(model.params());
        int n = BATCH * SEQ;
        int[] stream = tokens(n * STEPS + 1);
        int[] ids = new int[n], tg = new int[n];
        double[] losses = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            System.arraycopy(stream, s * n, ids, 0, n);
            System.arraycopy(stream, s * n + 1, tg, 0, n);
            model.setDropoutStep(s);
            model.params().zeroGrad();
            losses[s] = model.forward(ids, tg, true);
            model.backward(1.0);
            AdamW.clipGradNorm(model.params(), 1.0);
            opt.step(LR);
        }
        return losses;
    }

    /** A learnable token stream: mostly a fixed successor rule over 64 tokens, sometimes a random jump. */
    static int[] tokens(int n) {
        Random r = new Random(42);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) t[i] = r.nextInt(5) == 0 ? r.nextInt(64) : (t[i - 1] * 7 + 3) % 64;
        return t;
    }

    static double[] stored() throws IOException {
        try (InputStream in = LossCheck.class.getResourceAsStream(STORED)) {
            if (in == null) throw new IOException(STORED + " is not in the jar");
            var losses = new ObjectMapper().readTree(in).path("losses");
            double[] out = new double[losses.size()];
            for (int i = 0; i < out.length; i++) out[i] = losses.get(i).asDouble();
            if (out.length != STEPS) throw new IOException(STORED + ": " + out.length + " losses, expected " + STEPS);
            return out;
        }
    }
}
