package io.inrank.model.generate;

import io.inrank.model.GptModel;
import io.inrank.model.backend.Tensor;

/**
 * Incremental decoding of one sequence with a key/value cache: each call feeds one token at the next position and
 * returns the next-token logits, computing the InRank MLP through its factors (x → A → B, never merged). A
 * one-slot {@link BatchDecoder}: the same blocks, the same arithmetic as a served sequence.
 */
public final class KvDecoder {
    private final BatchDecoder decoder;
    private final int[] token = new int[1], slot = {0};

    public KvDecoder(GptModel model) {
        this.decoder = new BatchDecoder(model, 1);
    }

    /** Forgets the cached sequence. */
    public void reset() {
        decoder.reset(0);
    }

    public int position() {
        return decoder.position(0);
    }

    /** The most tokens the cache holds (the model's context). */
    public int capacity() {
        return decoder.capacity();
    }

    /** Feeds {@code token} at the next position; returns the logits [1, V] for the following token (a reused buffer). */
    public Tensor next(int token) {
        this.token[0] = token;
        return decoder.step(this.token, slot, 1);
    }
}
