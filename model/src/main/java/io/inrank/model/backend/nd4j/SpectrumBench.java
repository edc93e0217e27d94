package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendBench;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code inrank bench spectrum}: singular values of one InRank layer via thin QR + core SVD on the chosen backend
 * ({@code Backend.singularValues}) vs ND4J's full SVD of the dense product. nd4j's provider offers it: the baseline is
 * ND4J's own LAPACK.
 */
public final class SpectrumBench implements BackendBench {
    @Override
    public String name() {
        return "spectrum";
    }

    @Override
    public List<String> description() {
        return List.of(
                "One InRank layer's singular values via thin QR + core SVD on the backend vs ND4J's full SVD of the"
                        + " dense product: the best time of each, the speedup and the largest difference.",
                "Prints one JSON line.");
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(
                new Parameter("in", 768, 1, "Layer input size."),
                new Parameter("out", 3072, 1, "Layer output size."),
                new Parameter("k", 384, 1, "Rows of the factors A [K, in] and Bt [K, out], at most min(in, out)."),
                new Parameter("reps", 5, 1, "Timed repetitions; the fastest is reported."));
    }

    @Override
    public String run(Backend be, Map<String, Integer> v) {
        int in = v.get("in"), out = v.get("out"), k = v.get("k"), reps = v.get("reps");
        if (k > Math.min(in, out))
            throw new IllegalArgumentException(
                    "--k " + k + ": expected 1.." + Math.min(in, out) + " (min of --in, --out)");
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
        return String.format(
                Locale.ROOT,
                "{\"bench\":\"spectrum\",\"impl\":\"%s\",\"in\":%d,\"out\":%d,\"k\":%d,\"qr_ms\":%.1f,\"full_svd_ms\":%.1f,\"speedup\":%.1f,"
                        + "\"max_rel_diff\":%.1e}",
                be.name(),
                in,
                out,
                k,
                fast / 1e6,
                dense / 1e6,
                (double) dense / fast,
                maxRel);
    }
}
