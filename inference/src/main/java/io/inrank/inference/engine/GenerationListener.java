package io.inrank.inference.engine;

/** Receives a generation as it happens (on the engine's thread: keep it quick). */
public interface GenerationListener {
    /** A new token and the text it completed (possibly empty: an unfinished character or a possible stop prefix). */
    default void token(int id, String text) {}

    /**
     * What the engine calls (listeners override either form): the same with the token's log-probability when the request asked for it ({@link GenerationRequest#logprobs} ≥
     * 0); null otherwise and for held-back text released at the end (id −1).
     */
    default void token(int id, String text, TokenLogprob logprob) {
        token(id, text);
    }

    /**
     * With {@link GenerationRequest#promptLogprobs}: the log-probability of prompt token {@code position} (≥ 1) given
     * the tokens before it, in order, before the first generated token.
     */
    default void promptToken(int position, TokenLogprob logprob) {}

    void done(Generation.Result result);

    default void failed(Throwable error) {}
}
