package io.inrank.inference.engine;

/** Receives a generation as it happens (on the engine's thread: keep it quick). */
public interface GenerationListener {
    /** A new token and the text it completed (possibly empty: an unfinished character or a possible stop prefix). */
    default void token(int id, String text) {}

    void done(Generation.Result result);

    default void failed(Throwable error) {}
}
