package io.inrank.inference.engine;

import io.inrank.model.generate.Sampler;
import java.util.List;
import java.util.Set;

/**
 * One validated generation: prompt ids (already truncated if asked), how many new tokens at most, sampling, stops,
 * logprobs (−1 none, 0 each generated token's own log-probability, k also the k most likely tokens at each step),
 * promptLogprobs (each prompt token's log-probability given the ones before it; the prompt is then fed one token per
 * step, not in chunks, so that every position's logits exist) and stopTokens (vLLM's stop_token_ids: the generation
 * ends after any of them, as after a stop sequence) and penaltyScope (what the frequency and presence penalties count:
 * OpenAI's output tokens, or TGI's whole sequence).
 */
public record GenerationRequest(
        int[] prompt,
        int maxNewTokens,
        Sampler.Params sampling,
        List<String> stops,
        int logprobs,
        boolean promptLogprobs,
        Set<Integer> stopTokens,
        Sampler.PenaltyScope penaltyScope) {
    public GenerationRequest {
        stops = List.copyOf(stops);
        stopTokens = stopTokens == null ? Set.of() : Set.copyOf(stopTokens);
        if (penaltyScope == null) penaltyScope = Sampler.PenaltyScope.OUTPUT;
    }

    public GenerationRequest(
            int[] prompt,
            int maxNewTokens,
            Sampler.Params sampling,
            List<String> stops,
            int logprobs,
            boolean promptLogprobs,
            Set<Integer> stopTokens) {
        this(prompt, maxNewTokens, sampling, stops, logprobs, promptLogprobs, stopTokens, Sampler.PenaltyScope.OUTPUT);
    }

    public GenerationRequest(int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops) {
        this(prompt, maxNewTokens, sampling, stops, -1, false, Set.of());
    }

    public GenerationRequest(
            int[] prompt, int maxNewTokens, Sampler.Params sampling, List<String> stops, int logprobs) {
        this(prompt, maxNewTokens, sampling, stops, logprobs, false, Set.of());
    }

    public GenerationRequest withLogprobs(int k) {
        return new GenerationRequest(
                prompt, maxNewTokens, sampling, stops, k, promptLogprobs, stopTokens, penaltyScope);
    }

    public GenerationRequest withPromptLogprobs() {
        return new GenerationRequest(prompt, maxNewTokens, sampling, stops, logprobs, true, stopTokens, penaltyScope);
    }

    public GenerationRequest withStops(List<String> more) {
        return new GenerationRequest(
                prompt, maxNewTokens, sampling, more, logprobs, promptLogprobs, stopTokens, penaltyScope);
    }

    /** The same request with another seed: candidate i of n / best_of draws with seed + i. */
    public GenerationRequest withSeed(long seed) {
        return new GenerationRequest(
                prompt,
                maxNewTokens,
                sampling.withSeed(seed),
                stops,
                logprobs,
                promptLogprobs,
                stopTokens,
                penaltyScope);
    }

    /** TGI's routes count penalties over the whole sequence (see {@link Sampler.PenaltyScope}). */
    public GenerationRequest withPenaltyScope(Sampler.PenaltyScope scope) {
        return new GenerationRequest(
                prompt, maxNewTokens, sampling, stops, logprobs, promptLogprobs, stopTokens, scope);
    }
}
