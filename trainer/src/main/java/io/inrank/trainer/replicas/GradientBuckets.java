package io.inrank.trainer.replicas;

import io.inrank.model.GradientsReady;
import io.inrank.model.backend.ReplicaGroup;
import io.inrank.model.backend.Tensor;

/**
 * The gradient all-reduce of one data-parallel step, overlapped with the backward as PyTorch DDP does it: the ranges
 * the backward reports final ({@link GradientsReady}, from the buffer's end towards its start) gather into a bucket,
 * neighbours merged; once it holds {@code bucketBytes} of float32 gradients it is started on the replica group, which
 * averages it beside the rest of the backward. {@link #finish} starts what is left and orders the optimizer after all of
 * it. Every replica's model reports the same ranges, so the buckets match across replicas (NCCL needs the same
 * collectives in the same order on every rank). Preallocated: a step only fills the range array.
 */
public final class GradientBuckets implements GradientsReady {
    private final ReplicaGroup group;
    private final long bucketElements;
    private Tensor grads;
    private long[] ranges = new long[64]; // the bucket being gathered: (offset, length) pairs, descending offsets
    private int count;
    private long gathered, stepElements;
    private int stepBuckets;

    public GradientBuckets(ReplicaGroup group, long bucketBytes) {
        if (bucketBytes < 1) throw new IllegalArgumentException("bucketBytes must be >= 1");
        this.group = group;
        this.bucketElements = Math.max(1, bucketBytes / 4);
    }

    /** Begins a step on this gradient buffer (it is remade when stage 2 resizes the model). */
    public GradientBuckets begin(Tensor grads) {
        if (count != 0) throw new IllegalStateException("the previous step's buckets were not finished");
        this.grads = grads;
        stepElements = 0;
        stepBuckets = 0;
        return this;
    }

    @Override
    public void ready(long offset, long length) {
        if (grads == null) throw new IllegalStateException("begin(grads) first");
        if (length == 0) return;
        if (count > 0 && offset + length == ranges[2 * count - 2]) { // the range just below the last one: one range
            ranges[2 * count - 2] = offset;
            ranges[2 * count - 1] += length;
        } else {
            if (2 * count == ranges.length) ranges = java.util.Arrays.copyOf(ranges, 2 * ranges.length);
            ranges[2 * count] = offset;
            ranges[2 * count + 1] = length;
            count++;
        }
        gathered += length;
        if (gathered >= bucketElements) start();
    }

    /** Starts the last bucket; the work issued after this sees every gradient averaged. */
    public void finish() {
        if (count > 0) start();
        group.finishGradients();
        grads = null;
    }

    private void start() {
        group.startGradients(grads, ranges, count);
        stepElements += gathered;
        stepBuckets++;
        count = 0;
        gathered = 0;
    }

    /** Gradients averaged in the last step (inactive modes left out), and in how many buckets. */
    public long stepElements() {
        return stepElements;
    }

    public int stepBuckets() {
        return stepBuckets;
    }
}
