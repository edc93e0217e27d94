package io.inrank.model;

/**
 * Told by {@link GptModel#backward(double, GradientsReady)} which parts of the flat gradient buffer
 * ({@link Params#grads()}) hold their final values for this backward, as soon as they do: a data-parallel trainer starts
 * averaging them across replicas while the backward goes on. Ranges come from the end of the buffer towards its start
 * (final LayerNorm, the blocks from last to first, the embeddings last, since the tied LM head and the embedding
 * lookup both add to {@code wte}); together they cover every gradient this backward can make non-zero, each once.
 * Gradients of stored modes beyond the active ones (InRank stage 1) stay zero and are not reported.
 */
@FunctionalInterface
public interface GradientsReady {
    /** Elements [{@code offset}, {@code offset + length}) of the gradient buffer are final. */
    void ready(long offset, long length);

    /** For a backward whose gradients nobody waits on (an accumulation step, a single replica). */
    GradientsReady NONE = (offset, length) -> {};
}
