package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import io.inrank.model.cli.BackendOption;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench spectrum}: singular values of one InRank layer via thin QR + core SVD on the chosen backend
 * ({@code Backend.singularValues}) vs ND4J's full SVD of the dense product.
 */
@Command(
        name = "spectrum",
        mixinStandardHelpOptions = true,
        description = {
            "One InRank layer's singular values via thin QR + core SVD on the backend vs ND4J's full SVD of the dense"
                    + " product: the best time of each, the speedup and the largest difference.",
            "Prints one JSON line."
        })
public final class SpectrumBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--in",
            paramLabel = "N",
            defaultValue = "768",
            description = "Layer input size (default: ${DEFAULT-VALUE}).")
    int in;

    @Option(
            names = "--out",
            paramLabel = "N",
            defaultValue = "3072",
            description = "Layer output size (default: ${DEFAULT-VALUE}).")
    int out;

    @Option(
            names = "--k",
            paramLabel = "K",
            defaultValue = "384",
            description =
                    "Rows of the factors A [K, in] and Bt [K, out], at most min(in, out) (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(
            names = "--reps",
            paramLabel = "N",
            defaultValue = "5",
            description = "Timed repetitions; the fastest is reported (default: ${DEFAULT-VALUE}).")
    int reps;

    @Override
    public Integer call() {
        if (in < 1 || out < 1 || reps < 1)
            throw new ParameterException(spec.commandLine(), "--in, --out and --reps must be at least 1");
        // The dense product has min(in, out) singular values; the comparison reads k of them.
        if (k < 1 || k > Math.min(in, out))
            throw new ParameterException(
                    spec.commandLine(), "--k " + k + ": expected 1.." + Math.min(in, out) + " (min of --in, --out)");
        Backend be = backend.open();
        Random r = new Random(1);
        INDArray a = Nd4j.create(DataType.FLOAT, k, in), bt = Nd4j.create(DataType.FLOAT, k, out);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian());
        for (long i = 0; i < bt.length(); i++) bt.putScalar(i, r.nextGaussian());
        Tensor ta = be.zeros(DType.F32, k, in), tbt = be.zeros(DType.F32, k, out);
        be.fromHostF32(ta, a.data().asFloat());
        be.fromHostF32(tbt, bt.data().asFloat());
        be.singularValues(ta, tbt);
        Spectrum.denseSingularValues(a, bt);
        long fast = Long.MAX_VALUE, dense = Long.MAX_VALUE;
        double maxRel = 0;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            double[] s = be.singularValues(ta, tbt);
            long t1 = System.nanoTime();
            double[] d = Spectrum.denseSingularValues(a, bt);
            long t2 = System.nanoTime();
            fast = Math.min(fast, t1 - t0);
            dense = Math.min(dense, t2 - t1);
            for (int j = 0; j < k; j++) maxRel = Math.max(maxRel, Math.abs(s[j] - d[j]) / d[0]);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf(
                Locale.ROOT,
                "{\"bench\":\"spectrum\",\"impl\":\"%s\",\"in\":%d,\"out\":%d,\"k\":%d,\"qr_ms\":%.1f,\"full_svd_ms\":%.1f,\"speedup\":%.1f,"
                        + "\"max_rel_diff\":%.1e}%n",
                be.name(),
                in,
                out,
                k,
                fast / 1e6,
                dense / 1e6,
                (double) dense / fast,
                maxRel);
        w.flush();
        return 0;
    }
}
