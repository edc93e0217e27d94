package io.inrank.trainer.config;

/**
 * This process's place in a data-parallel run: replica {@code replica} of {@code worldSize}, one device each, all
 * training the same run on disjoint shards of each global batch. The replicas find each other on
 * {@code inrank.rendezvous} within {@code rendezvousTimeoutMs} ({@code Rendezvous}).
 */
public record Replicas(int worldSize, int replica, long rendezvousTimeoutMs) {
    public static final Replicas ONE = new Replicas(1, 0, 300_000);

    public Replicas {
        if (worldSize < 1 || worldSize > 1024)
            throw new IllegalArgumentException("world-size must be 1..1024, got " + worldSize);
        if (replica < 0 || replica >= worldSize)
            throw new IllegalArgumentException(
                    "replica must be 0.." + (worldSize - 1) + " for world-size " + worldSize + ", got " + replica);
        if (rendezvousTimeoutMs < 1) throw new IllegalArgumentException("rendezvous-timeout-ms must be >= 1");
    }

    public boolean many() {
        return worldSize > 1;
    }

    /** Replica 0 reports spectra, evaluates, writes checkpoints and events; the others only train. */
    public boolean leader() {
        return replica == 0;
    }
}
