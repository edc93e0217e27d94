package io.inrank.inference.api;

import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.model.generate.Sampler;
import io.inrank.model.generate.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Validation shared by both APIs: every limit is checked here and refused with a message naming the parameter. */
final class Requests {
    static final int MAX_STOPS = 4;
    /**
     * Longest prompt accepted, in characters, checked before tokenizing: a GPT-2 context is 1,024 tokens (about 5,000
     * characters of English), and {@code truncate} keeps the tail of a longer one, so this only stops a client from
     * making the server tokenize megabytes. The request body itself is capped at 1 MiB (413; application.properties).
     */
    static final int MAX_PROMPT_CHARS = 100_000;

    static final int MAX_STOP_CHARS = 256;

    /** Highest temperature accepted (TGI and vLLM set none; past ~10 the distribution is already uniform). */
    static final double MAX_TEMPERATURE = 100;

    private Requests() {}

    /**
     * @param sample      sample (else greedy)
     * @param temperature null = 1; below {@link Sampler#MIN_TEMPERATURE} (0 included) greedy
     * @param truncate    null = refuse a prompt that does not fit; n = keep its last n tokens
     */
    static GenerationRequest build(
            ServedModel m,
            String prompt,
            int maxNew,
            boolean sample,
            Double temperature,
            Integer topK,
            Double topP,
            Double repetitionPenalty,
            Long seed,
            List<String> stops,
            Integer truncate,
            String maxNewName) {
        if (prompt == null) throw ApiError.validation("the prompt is missing");
        if (prompt.isEmpty()) throw ApiError.validation("the prompt must not be empty");
        if (prompt.length() > MAX_PROMPT_CHARS)
            throw ApiError.validation("the prompt has " + prompt.length() + " characters, more than the "
                    + MAX_PROMPT_CHARS + " this server tokenizes");
        if (maxNew < 1) throw ApiError.validation(maxNewName + " must be >= 1, got " + maxNew);
        int ctx = m.context();
        if (maxNew > ctx)
            throw ApiError.validation(
                    maxNewName + " is " + maxNew + ", more than the model's context of " + ctx + " tokens");
        if (temperature != null && !(temperature >= 0 && temperature <= MAX_TEMPERATURE))
            throw ApiError.validation("temperature must be in [0, " + (int) MAX_TEMPERATURE + "], got " + temperature);
        if (topK != null && topK < 1) throw ApiError.validation("top_k must be >= 1, got " + topK);
        if (topP != null && !(topP > 0 && topP <= 1)) throw ApiError.validation("top_p must be in (0, 1], got " + topP);
        if (repetitionPenalty != null
                && !(repetitionPenalty >= Sampler.MIN_PENALTY && repetitionPenalty <= Sampler.MAX_PENALTY))
            throw ApiError.validation("repetition_penalty must be in [" + Sampler.MIN_PENALTY + ", "
                    + (int) Sampler.MAX_PENALTY + "], got " + repetitionPenalty);
        if (seed != null && seed < 0) throw ApiError.validation("seed must be >= 0, got " + seed);
        if (truncate != null && truncate < 1) throw ApiError.validation("truncate must be >= 1, got " + truncate);
        List<String> stop = stops == null ? List.of() : stops;
        if (stop.size() > MAX_STOPS)
            throw ApiError.validation("at most " + MAX_STOPS + " stop sequences, got " + stop.size());
        for (String s : stop)
            if (s == null || s.isEmpty() || s.length() > MAX_STOP_CHARS)
                throw ApiError.validation(
                        "stop sequences must be non-empty strings of at most " + MAX_STOP_CHARS + " characters");

        int[] ids = Tokenizer.encode(prompt);
        if (ids.length == 0) throw ApiError.validation("the prompt encodes to no tokens");
        if (truncate != null && ids.length > truncate) ids = Arrays.copyOfRange(ids, ids.length - truncate, ids.length);
        if ((long) ids.length + maxNew > ctx) { // both are at most ~2^31: the sum in long cannot overflow
            throw ApiError.validation("the prompt has " + ids.length + " tokens and " + maxNewName + " is " + maxNew
                    + ", but the model's context is " + ctx + " tokens: shorten the prompt, lower " + maxNewName
                    + (truncate == null ? ", or ask for truncation" : ""));
        }
        // below MIN_TEMPERATURE greedy, as vLLM does: dividing logits by less is not sampling in any useful sense, and
        // by a subnormal (5e-324) it overflows to infinity and every draw becomes NaN
        boolean greedy = !sample || (temperature != null && temperature < Sampler.MIN_TEMPERATURE);
        long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        Sampler.Params p = greedy
                ? new Sampler.Params(0, 0, 1, repetitionPenalty == null ? 1 : repetitionPenalty, s)
                : new Sampler.Params(
                        temperature == null ? 1 : temperature,
                        topK == null ? 0 : topK,
                        topP == null ? 1 : topP,
                        repetitionPenalty == null ? 1 : repetitionPenalty,
                        s);
        return new GenerationRequest(ids, maxNew, p, stop);
    }
}
