package io.inrank.model.backend.cuda;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;

/**
 * One replica in its own JVM for {@link EmulatedCollectivesTest}: opens the cuda backend at a precision, joins the group
 * (id as hex), all-reduces {@link EmulatedCollectivesTest#gradients} of its rank as gradients and prints the result as
 * float bits, one per line after "result".
 */
public final class ReplicaPeer {
    private ReplicaPeer() {}

    public static void main(String[] args) {
        int rank = Integer.parseInt(args[1]);
        Backend be = Backends.open(BackendOptions.parse("cuda", args[2]));
        double[] g = EmulatedCollectivesTest.gradients(rank);
        Tensor t = be.zeros(DType.F32, g.length);
        be.fromHost(t, g);
        try (ReplicaGroup group = be.joinReplicas(Collectives.fromHex(args[0]), 2, rank)) {
            group.allReduceGradients(t);
        }
        System.out.println("result");
        for (double v : be.toHost(t)) System.out.println(Integer.toHexString(Float.floatToRawIntBits((float) v)));
        System.out.flush();
    }
}
