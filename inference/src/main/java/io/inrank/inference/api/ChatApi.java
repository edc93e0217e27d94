package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Request and response shapes of OpenAI's /v1/chat/completions (the parts a single-model text server can honour). */
public final class ChatApi {
    private ChatApi() {}

    /** content: a string, or a list of {"type": "text", "text": …} parts. */
    public record Message(String role, JsonNode content, String name) {}

    /** Unknown fields (tools, response_format, logit_bias, …) are refused with 422, never ignored. */
    public record Request(
            String model,
            List<Message> messages,
            @JsonProperty("max_tokens") Integer maxTokens,
            @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
            Double temperature,
            @JsonProperty("top_p") Double topP,
            JsonNode stop,
            Long seed,
            Boolean stream,
            @JsonProperty("stream_options") OpenAiApi.StreamOptions streamOptions,
            Integer n,
            String user,
            Boolean logprobs,
            @JsonProperty("top_logprobs") Integer topLogprobs) {}

    public record Reply(String role, String content) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {}

    public record Choice(
            int index,
            Reply message,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    public record ChunkChoice(
            int index,
            Delta delta,
            Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Completion(
            String id, String object, long created, String model, List<Choice> choices, OpenAiApi.Usage usage) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Chunk(
            String id, String object, long created, String model, List<ChunkChoice> choices, OpenAiApi.Usage usage) {}
}
