package io.inrank.model.backend.nd4j;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.Tensor;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code ./inrank bench spectrum}: singular values of one InRank layer via thin QR + core SVD on the chosen backend
 * ({@code Backend.singularValues}) vs ND4J's full SVD of the dense product. Options: --backend nd4j --in 768 --out 3072
 * --k 384 --reps 5
 */
public final class SpectrumBench {
    public static void main(String[] args) {
        int in = 768, out = 3072, k = 384, reps = 5;
        String backend = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--in" -> in = Integer.parseInt(args[++i]);
                case "--out" -> out = Integer.parseInt(args[++i]);
                case "--k" -> k = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Random r = new Random(1);
        INDArray a = Nd4j.create(DataType.FLOAT, k, in), bt = Nd4j.create(DataType.FLOAT, k, out);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, r.nextGaussian());
        for (long i = 0; i < bt.length(); i++) bt.putScalar(i, r.nextGaussian());
        Backend be = Backends.openForCli(backend);
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
        System.out.printf(
                "{\"bench\":\"spectrum\",\"impl\":\"%s\",\"in\":%d,\"out\":%d,\"k\":%d,\"qr_ms\":%.1f,\"full_svd_ms\":%.1f,\"speedup\":%.1f,"
                        + "\"max_rel_diff\":%.1e}%n",
                be.name(), in, out, k, fast / 1e6, dense / 1e6, (double) dense / fast, maxRel);
    }
}
