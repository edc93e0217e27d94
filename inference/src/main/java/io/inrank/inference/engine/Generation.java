package io.inrank.inference.engine;

/** What a finished generation reports. */
public final class Generation {
    private Generation() {}

    /** TGI's finish reasons; OpenAI's are derived ("length" → length, the rest → stop). */
    public enum Finish {
        LENGTH,
        EOS_TOKEN,
        STOP_SEQUENCE,
        CANCELLED
    }

    /**
     * @param firstTokenNanos from admission to the first generated token (time to first token, queue wait excluded)
     * @param totalNanos      from admission to the end
     * @param seed            the sampler's seed; null for greedy decoding (nothing random was drawn: TGI reports null too)
     */
    public record Result(
            String text,
            int[] tokens,
            int promptTokens,
            Finish finish,
            Long seed,
            long firstTokenNanos,
            long totalNanos) {}
}
