package io.inrank.model.backend.cuda;

import io.inrank.commands.BackendOption;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.javacpp.Loader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gpu-check collectives}: the data-parallel path on this machine's NCCL — a group of one replica (two ranks
 * need two GPUs), a fresh id, the gradient all-reduce at the backend's precision and a broadcast on a 1 M-element
 * tensor, which a group of one must leave unchanged (at bf16: rounded to bf16 once, ties to even). Then the overlapped path as the trainer
 * drives it: a 16 M-element buffer reduced in two buckets on the reduction stream, the second half written on the
 * compute stream after the first bucket started, read back after {@code finishGradients}. At bf16 every value must come
 * back rounded to bf16 exactly once: a bucket that started before its input was written (no wait for the compute
 * stream) or a read before the reduction ended (no wait for the reduction stream) leaves zeros or unrounded values,
 * which is how this check sees the two streams' ordering on a real GPU (the emulated device sees it only when told to
 * hold a stream back, as the data-parallel tests do). One JSON line; exit 1 when a value is wrong or a call failed.
 */
@Command(
        name = "collectives",
        mixinStandardHelpOptions = true,
        description = "NCCL through the backend: a one-replica group's all-reduce and broadcast.")
final class CollectivesCheck implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() {
        Backend be = backend.open();
        PrintWriter out = spec.commandLine().getOut();
        int n = 1 << 20;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = (i % 1000) * 0.25 - 100; // exact in float32, mostly not in bf16
        Tensor t = be.zeros(DType.F32, n);
        be.fromHost(t, x);
        long t0 = System.nanoTime();
        int[] version = {0};
        Loader.load(nccl.class);
        nccl.ncclGetVersion(version);
        int m = 1 << 24, half = m / 2;
        double[] v = new double[m];
        for (int i = 0; i < m; i++) v[i] = 1 + (i % 4096) / 16384.0; // most are not bf16 values: rounding shows
        Tensor u = be.zeros(DType.F32, m);
        double seconds, exposed;
        try (ReplicaGroup g = be.joinReplicas(be.newReplicaGroupId(), 1, 0)) {
            g.allReduceGradients(t);
            g.broadcast(t, 0);
            be.fromHost(be.view(u, half, half), java.util.Arrays.copyOfRange(v, half, m));
            g.startGradients(u, new long[] {half, half}, 1);
            be.fromHost(be.view(u, 0, half), java.util.Arrays.copyOfRange(v, 0, half));
            g.startGradients(u, new long[] {0, half}, 1);
            g.finishGradients();
            be.toHost(be.view(u, 0, 1)); // the compute stream has passed the wait
            seconds = g.gradientSeconds();
            exposed = g.exposedGradientSeconds();
        }
        double[] y = be.toHost(t), w = be.toHost(u);
        boolean bf16 = backend.options().precision() == io.inrank.model.backend.Precision.BF16;
        int changed = 0, wrong = 0;
        for (int i = 0; i < n; i++) if (y[i] != (bf16 ? bf16((float) x[i]) : (float) x[i])) changed++;
        for (int i = 0; i < m; i++) if (w[i] != (bf16 ? bf16((float) v[i]) : (float) v[i])) wrong++;
        boolean pass = changed == 0 && wrong == 0;
        out.printf(
                Locale.ROOT,
                "{\"check\":\"collectives\",\"nccl\":%d,\"elements\":%d,\"changed\":%d,\"bucketed\":%d,"
                        + "\"bucketed_wrong\":%d,\"bf16\":%b,\"reduce_ms\":%.2f,\"exposed_ms\":%.2f,\"ms\":%.1f,"
                        + "\"pass\":%b}%n",
                version[0],
                n,
                changed,
                m,
                wrong,
                bf16,
                seconds * 1e3,
                exposed * 1e3,
                (System.nanoTime() - t0) / 1e6,
                pass);
        out.flush();
        return pass ? 0 : 1;
    }

    /** x rounded to bf16 (nearest, ties to even), as pack_bf16 does; finite x only. */
    static float bf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        return Float.intBitsToFloat((bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000);
    }
}
