package io.inrank.trainer.data;

import java.util.SplittableRandom;

/**
 * Batches of B blocks in a seeded per-epoch permutation (block order reshuffled every epoch, as the paper's
 * DistributedSampler does; within a block, order is fixed). The position — (epoch, index into the permutation) — is
 * all a checkpoint needs: {@link #seek} reproduces the exact batches that would have followed.
 */
public final class Batches {

    /** Where the iteration stands: the next batch starts at permutation index {@code index} of {@code epoch}. */
    public record Position(long epoch, int index) {}

    private final BlockStore store;
    private final int batch;
    private final int shard, shards;
    private final long seed;
    private final int[] buf;
    private int[] perm;
    private long epoch;
    private int index;

    public Batches(BlockStore store, int batch, long seed) {
        this(store, batch, seed, 0, 1);
    }

    /**
     * Shard {@code shard} of {@code shards} of every global batch of {@code batch} blocks: blocks
     * [shard·batch/shards, (shard+1)·batch/shards) of it, so the shards of the replicas of a data-parallel run are
     * disjoint and together the batch a single replica would take. The position is the global one.
     */
    public Batches(BlockStore store, int batch, long seed, int shard, int shards) {
        if (batch < 1 || batch > store.blocks())
            throw new IllegalArgumentException("batch must be in 1.." + store.blocks());
        if (shards < 1 || shard < 0 || shard >= shards || batch % shards != 0)
            throw new IllegalArgumentException("shard " + shard + " of " + shards + " of a batch of " + batch);
        this.store = store;
        this.batch = batch;
        this.shard = shard;
        this.shards = shards;
        this.seed = seed;
        this.buf = new int[store.width()];
        seek(new Position(0, 0));
    }

    public Position position() {
        return new Position(epoch, index);
    }

    public void seek(Position p) {
        epoch = p.epoch();
        index = p.index();
        perm = permutation(epoch);
    }

    /** Fisher–Yates with a generator seeded by (seed, epoch): every epoch visits each block exactly once. */
    private int[] permutation(long e) {
        int n = store.blocks();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Fills inputs and targets ([B/shards · L] each, row-major) with this shard of the next batch: input = a block's
     * first L ids, target = its last L. A batch never straddles epochs; the tail of an epoch shorter than B is skipped.
     */
    public void next(int[] inputs, int[] targets) {
        int l = store.width() - 1;
        if (index + batch > perm.length) {
            epoch++;
            index = 0;
            perm = permutation(epoch);
        }
        int rows = batch / shards, first = index + shard * rows;
        for (int b = 0; b < rows; b++) {
            store.block(perm[first + b], buf, 0);
            System.arraycopy(buf, 0, inputs, b * l, l);
            System.arraycopy(buf, 1, targets, b * l, l);
        }
        index += batch;
    }
}
