package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;

/**
 * One replica in its own JVM for {@link EmulatedCollectivesTest}: opens the cuda backend at a precision, joins the group
 * (id as hex), all-reduces {@link EmulatedCollectivesTest#gradients} of its rank as gradients, then
 * {@link EmulatedCollectivesTest#bucketed} in buckets started while later parts are still being written, and prints
 * both results as float bits, one per line after "result" and "bucketed".
 */
public final class ReplicaPeer {
    private ReplicaPeer() {}

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[1]);
        Backend be = Backends.open(BackendOptions.parse("cuda", args[2]));
        double[] g = EmulatedCollectivesTest.gradients(rank);
        Tensor t = be.zeros(DType.F32, g.length);
        be.fromHost(t, g);
        Tensor u = be.zeros(DType.F32, BUCKETED);
        double seconds, exposed;
        try (ReplicaGroup group = be.joinReplicas(Collectives.fromHex(args[0]), 2, rank)) {
            group.allReduceGradients(t);
            // as a backward's buckets: the upper part is final and started, then the lower part is computed (here:
            // written) on the compute stream while it is reduced, then started too; [800, 900) is never reduced
            double[] all = EmulatedCollectivesTest.bucketed(rank);
            be.fromHost(be.view(u, 500, 500), java.util.Arrays.copyOfRange(all, 500, 1000));
            group.startGradients(u, new long[] {900, 100, 500, 300}, 2);
            be.fromHost(be.view(u, 0, 500), java.util.Arrays.copyOfRange(all, 0, 500));
            group.startGradients(u, new long[] {0, 500}, 1);
            group.finishGradients();
            be.toHost(u); // waits: the reduction is timed once the host has waited for later work
            seconds = group.gradientSeconds();
            exposed = group.exposedGradientSeconds();
        }
        System.out.println("seconds " + seconds + " exposed " + exposed);
        System.out.println("result");
        for (double v : be.toHost(t)) System.out.println(Integer.toHexString(Float.floatToRawIntBits((float) v)));
        System.out.println("bucketed");
        for (double v : be.toHost(u)) System.out.println(Integer.toHexString(Float.floatToRawIntBits((float) v)));
        System.out.flush();
    }

    static final int BUCKETED = 1000;
}
