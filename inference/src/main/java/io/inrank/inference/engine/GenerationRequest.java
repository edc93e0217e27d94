package io.inrank.inference.engine;

import io.inrank.model.generate.Sampler;
import java.util.List;

/** One validated generation: prompt ids (already truncated if asked), how many new tokens at most, sampling, stops. */
public record GenerationRequest(int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops) {
    public GenerationRequest {
        stops = List.copyOf(stops);
    }
}
