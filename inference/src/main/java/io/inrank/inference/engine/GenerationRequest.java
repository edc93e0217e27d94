package io.inrank.inference.engine;

import io.inrank.model.generate.Sampler;
import java.util.List;

/**
 * One validated generation: prompt ids (already truncated if asked), how many new tokens at most, sampling, stops,
 * logprobs (−1 none, 0 each generated token's own log-probability, k also the k most likely tokens at each step) and
 * promptLogprobs (each prompt token's log-probability given the ones before it; the prompt is then fed one token per
 * step, not in chunks, so that every position's logits exist).
 */
public record GenerationRequest(
        int[] prompt,
        int maxNewTokens,
        Sampler.Params sampling,
        List<String> stops,
        int logprobs,
        boolean promptLogprobs) {
    public GenerationRequest {
        stops = List.copyOf(stops);
    }

    public GenerationRequest(int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops) {
        this(prompt, maxNewTokens, sampling, stops, -1, false);
    }

    public GenerationRequest(
            int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops, int logprobs) {
        this(prompt, maxNewTokens, sampling, stops, logprobs, false);
    }

    public GenerationRequest withLogprobs(int k) {
        return new GenerationRequest(prompt, maxNewTokens, sampling, stops, k, promptLogprobs);
    }

    public GenerationRequest withPromptLogprobs() {
        return new GenerationRequest(prompt, maxNewTokens, sampling, stops, logprobs, true);
    }
}
