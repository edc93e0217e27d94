package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Request and response shapes of OpenAI's /v1/completions and /v1/models. */
public final class OpenAiApi {
    private OpenAiApi() {}

    /** stop: a string or a list of strings. n must be 1, echo false (refused otherwise, not ignored). */
    public record CompletionRequest(
            String model,
            String prompt,
            @JsonProperty("max_tokens") Integer maxTokens,
            Double temperature,
            @JsonProperty("top_p") Double topP,
            JsonNode stop,
            Long seed,
            Boolean stream,
            @JsonProperty("stream_options") StreamOptions streamOptions,
            Integer n,
            Boolean echo,
            String user,
            Integer logprobs) {}

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
