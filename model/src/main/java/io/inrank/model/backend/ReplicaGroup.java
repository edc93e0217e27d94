package io.inrank.model.backend;

/**
 * The replicas of one data-parallel run, one device each: this process is replica {@link #rank} of {@link #size}. The
 * collectives work in place on whole tensors of this backend, ordered after the work already issued on it, and leave
 * every replica the same bits. A backend that has collectives (cuda: NCCL) makes one through
 * {@link Backend#joinReplicas}; the CPU backends compute on one machine's cores and have none.
 */
public interface ReplicaGroup extends AutoCloseable {
    int rank();

    int size();

    /** t becomes the element-wise average over the replicas, in float32. */
    void allReduceAverage(Tensor t);

    /**
     * Starts averaging {@code count} ranges of a gradient buffer ({@code ranges[2i]}: a range's first element,
     * {@code ranges[2i+1]}: its length) and returns: the reduction runs beside the work issued after it (the rest of
     * the backward), ordered after the work issued before it. As the backend's precision says: in float32, or on a
     * backend computing bf16 products sent and averaged in bf16 (half the bytes; each replica rounds the same result
     * back to float32). {@code ranges} may be reused once this returns.
     */
    void startGradients(Tensor grads, long[] ranges, int count);

    /** The work issued after this (clipping, the optimizer) sees every range started since the last finish averaged. */
    void finishGradients();

    /** The whole buffer, as {@link #startGradients} then {@link #finishGradients}. */
    default void allReduceGradients(Tensor grads) {
        startGradients(grads, new long[] {0, grads.length()}, 1);
        finishGradients();
    }

    /**
     * The last finished gradient reduction, timed on the device once the host has waited for later work: seconds from
     * its first range's start to its end (waiting for slower replicas included), and seconds from the backward's end
     * to its end: what the step waited for it, the part the overlap did not hide. 0 before the first.
     */
    double gradientSeconds();

    double exposedGradientSeconds();

    /** t becomes replica {@code root}'s t. */
    void broadcast(Tensor t, int root);

    /**
     * Throws if the group has failed since it was joined (a replica exited, the network failed: the backend's watchdog
     * saw it and aborted the collectives in flight). Call after the host has waited for a collective's result and
     * before using it, since an aborted collective leaves its output undefined.
     */
    void check();

    /** Leaves after a failure: the others' next collective fails at once instead of waiting for this replica. */
    void abort();

    @Override
    void close();
}
