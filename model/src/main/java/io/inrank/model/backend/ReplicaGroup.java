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
     * Gradients averaged as the backend's precision says: in float32, or on a backend computing bf16 products sent
     * and averaged in bf16 (half the bytes; each replica rounds the same result back to float32).
     */
    default void allReduceGradients(Tensor grads) {
        allReduceAverage(grads);
    }

    /** t becomes replica {@code root}'s t. */
    void broadcast(Tensor t, int root);

    /** Leaves after a failure: the others' next collective fails at once instead of waiting for this replica. */
    void abort();

    @Override
    void close();
}
