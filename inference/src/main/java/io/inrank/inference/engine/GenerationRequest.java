package io.inrank.inference.engine;

import io.inrank.model.generate.Sampler;
import java.util.List;

/**
 * One validated generation: prompt ids (already truncated if asked), how many new tokens at most, sampling, stops, and
 * logprobs: −1 none, 0 each token's own log-probability, k also the k most likely tokens at each step.
 */
public record GenerationRequest(
        int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops, int logprobs) {
    public GenerationRequest {
        stops = List.copyOf(stops);
    }

    public GenerationRequest(int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops) {
        this(prompt, maxNewTokens, sampling, stops, -1);
    }

    public GenerationRequest withLogprobs(int k) {
        return new GenerationRequest(prompt, maxNewTokens, sampling, stops, k);
    }
}
