package io.inrank.model.backend.cuda;

/**
 * Rank 1 of a two-process communicator, in its own JVM, for {@link EmulatedCollectivesTest}: joins with the id given as
 * hex, all-reduces {@link EmulatedCollectivesTest#values}(n, 1) and prints the first and last result; then either
 * takes part in one more all-reduce ({@code stay}) or exits without it ({@code leave}: a replica that dies).
 */
public final class CollectivesPeer {
    private CollectivesPeer() {}

    public static void main(String[] args) {
        EmulatedKernels.device();
        byte[] id = Collectives.fromHex(args[0]);
        int n = Integer.parseInt(args[1]);
        long buf = EmulatedCollectivesTest.upload(EmulatedCollectivesTest.values(n, 1));
        try (Collectives c = Collectives.join(id, 2, 1, null)) {
            c.allReduceAverage(buf, n, Collectives.Type.FLOAT32);
            float[] out = EmulatedCollectivesTest.download(buf, n);
            System.out.println("peer result " + out[0] + " " + out[n - 1]);
            System.out.flush();
            if (args[2].equals("leave")) Runtime.getRuntime().halt(0);
            c.allReduceAverage(buf, n, Collectives.Type.FLOAT32);
        }
    }
}
