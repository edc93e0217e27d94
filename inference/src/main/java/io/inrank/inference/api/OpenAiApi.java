package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Request and response shapes of OpenAI's /v1/completions and /v1/models. */
public final class OpenAiApi {
    private OpenAiApi() {}

    /**
     * OpenAI's completion request with vLLM's and TGI's common extensions (top_k, min_p, typical_p,
     * repetition_penalty, min_tokens, ignore_eos, stop_token_ids, do_sample; and TGI's return_full_text = echo and
     * watermark, which Hugging Face's JS client sends to this route). prompt: a string, a list of strings, a list
     * of token ids or a list of such lists; stop: a string or a list of strings. Only a non-empty suffix is refused.
     */
    public record CompletionRequest(
            String model,
            JsonNode prompt,
            @JsonProperty("max_tokens") Integer maxTokens,
            Double temperature,
            @JsonProperty("top_p") Double topP,
            JsonNode stop,
            Long seed,
            Boolean stream,
            @JsonProperty("stream_options") StreamOptions streamOptions,
            Integer n,
            @JsonProperty("best_of") Integer bestOf,
            Boolean echo,
            String user,
            Integer logprobs,
            String suffix,
            @JsonProperty("frequency_penalty") Double frequencyPenalty,
            @JsonProperty("presence_penalty") Double presencePenalty,
            @JsonProperty("logit_bias") JsonNode logitBias,
            @JsonProperty("top_k") Integer topK,
            @JsonProperty("min_p") Double minP,
            @JsonProperty("typical_p") Double typicalP,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            @JsonProperty("min_tokens") Integer minTokens,
            @JsonProperty("ignore_eos") Boolean ignoreEos,
            @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
            @JsonProperty("do_sample") Boolean doSample,
            @JsonProperty("return_full_text") Boolean returnFullText,
            Boolean watermark) {
        SamplingOptions sampling() {
            return new SamplingOptions(
                    doSample,
                    temperature,
                    topK,
                    topP,
                    typicalP,
                    minP,
                    repetitionPenalty,
                    frequencyPenalty,
                    presencePenalty,
                    logitBias,
                    seed,
                    minTokens,
                    ignoreEos,
                    stopTokenIds);
        }
    }

    public record StreamOptions(
            @JsonProperty("include_usage") Boolean includeUsage) {}

    public record Choice(
            String text,
            int index,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    public record Usage(
            @JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("total_tokens") int totalTokens) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Completion(String id, String object, long created, String model, List<Choice> choices, Usage usage) {}

    public record Model(
            String id,
            String object,
            long created,
            @JsonProperty("owned_by") String ownedBy) {}

    public record Models(String object, List<Model> data) {}
}
