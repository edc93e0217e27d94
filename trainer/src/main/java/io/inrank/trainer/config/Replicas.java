package io.inrank.trainer.config;

/**
 * This process's place in a data-parallel run: replica {@code replica} of {@code worldSize}, one device each, all
 * training the same run on disjoint shards of each global batch. The replicas find each other on
 * {@code inrank.rendezvous} within {@code rendezvousTimeoutMs} ({@code Rendezvous}). The gradients are averaged in
 * buckets of at least {@code bucketMb} MiB, each started as soon as the backward has finished it (0: one reduction
 * after the backward, nothing overlapped).
 */
public record Replicas(int worldSize, int replica, long rendezvousTimeoutMs, double bucketMb) {
    public static final Replicas ONE = new Replicas(1, 0, 300_000, 25);

    public Replicas {
        if (worldSize < 1 || worldSize > 1024)
            throw new IllegalArgumentException("world-size must be 1..1024, got " + worldSize);
        if (replica < 0 || replica >= worldSize)
            throw new IllegalArgumentException(
                    "replica must be 0.." + (worldSize - 1) + " for world-size " + worldSize + ", got " + replica);
        if (rendezvousTimeoutMs < 1) throw new IllegalArgumentException("rendezvous-timeout-ms must be >= 1");
        if (!(bucketMb >= 0 && bucketMb <= 1024)) { // NaN fails too
            throw new IllegalArgumentException("allreduce-bucket-mb must be 0..1024, got " + bucketMb);
        }
    }

    /** A bucket's size in bytes of float32 gradients (0: everything in one bucket, after the backward). */
    public long bucketBytes() {
        return bucketMb == 0 ? Long.MAX_VALUE : Math.max(1, Math.round(bucketMb * (1 << 20)));
    }

    public boolean many() {
        return worldSize > 1;
    }

    /** Replica 0 reports spectra, evaluates, writes checkpoints and events; the others only train. */
    public boolean leader() {
        return replica == 0;
    }
}
