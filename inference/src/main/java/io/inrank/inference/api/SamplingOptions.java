package io.inrank.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The sampling fields every generation route accepts, under the names clients send (OpenAI, TGI and vLLM's extensions);
 * null is the default everywhere. {@link Requests} checks them in one place and turns them into the sampler's settings.
 *
 * @param doSample TGI's flag: false is greedy whatever else is set; null: the route's default
 * @param logitBias OpenAI's object of token id (a string) → bias in [-100, 100]; -100 bans the token
 * @param stopTokenIds vLLM's: generation stops after any of these tokens
 */
record SamplingOptions(
        Boolean doSample,
        Double temperature,
        Integer topK,
        Double topP,
        Double typicalP,
        Double minP,
        Double repetitionPenalty,
        Double frequencyPenalty,
        Double presencePenalty,
        JsonNode logitBias,
        Long seed,
        Integer minTokens,
        Boolean ignoreEos,
        List<Integer> stopTokenIds) {

    static SamplingOptions none() {
        return new SamplingOptions(null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Whether any field that only matters when sampling is set (TGI samples then, unless do_sample is false). */
    boolean samplingSet() {
        return temperature != null || topK != null || topP != null || typicalP != null || minP != null;
    }
}
