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
 * tensor, which a group of one must leave unchanged (bf16: rounded to bf16 once). One JSON line; exit 1 when a value
 * changed or a call failed.
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
        for (int i = 0; i < n; i++) x[i] = (i % 1000) * 0.25 - 100; // exact in bf16 too
        Tensor t = be.zeros(DType.F32, n);
        be.fromHost(t, x);
        long t0 = System.nanoTime();
        int[] version = {0};
        Loader.load(nccl.class);
        nccl.ncclGetVersion(version);
        try (ReplicaGroup g = be.joinReplicas(be.newReplicaGroupId(), 1, 0)) {
            g.allReduceGradients(t);
            g.broadcast(t, 0);
        }
        double[] y = be.toHost(t);
        int changed = 0;
        for (int i = 0; i < n; i++) if (y[i] != x[i]) changed++;
        out.printf(
                Locale.ROOT,
                "{\"check\":\"collectives\",\"nccl\":%d,\"elements\":%d,\"changed\":%d,\"ms\":%.1f,\"pass\":%b}%n",
                version[0],
                n,
                changed,
                (System.nanoTime() - t0) / 1e6,
                changed == 0);
        out.flush();
        return changed == 0 ? 0 : 1;
    }
}
