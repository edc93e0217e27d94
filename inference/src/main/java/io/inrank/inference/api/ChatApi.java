package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Request and response shapes of OpenAI's /v1/chat/completions (the parts a single-model text server can honour). */
public final class ChatApi {
    private ChatApi() {}

    /**
     * content: a string, or a list of {"type": "text", "text": …} parts (null only beside tool_calls, which are
     * refused). name is accepted (a speaker label OpenAI passes to the model; this template has no place for it).
     */
    public record Message(
            String role,
            JsonNode content,
            String name,
            @JsonProperty("tool_calls") JsonNode toolCalls,
            @JsonProperty("tool_call_id") String toolCallId) {}

    /**
     * OpenAI's chat request with vLLM's extensions. Tools, functions and response formats other than text are refused
     * when set (null or empty lists are fine); metadata, store, service_tier, user, parallel_tool_calls are accepted and
     * have no effect on one local model.
     */
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
            @JsonProperty("top_logprobs") Integer topLogprobs,
            @JsonProperty("frequency_penalty") Double frequencyPenalty,
            @JsonProperty("presence_penalty") Double presencePenalty,
            @JsonProperty("logit_bias") JsonNode logitBias,
            @JsonProperty("response_format") JsonNode responseFormat,
            JsonNode tools,
            @JsonProperty("tool_choice") JsonNode toolChoice,
            JsonNode functions,
            @JsonProperty("function_call") JsonNode functionCall,
            @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
            JsonNode metadata,
            Boolean store,
            @JsonProperty("service_tier") String serviceTier,
            @JsonProperty("top_k") Integer topK,
            @JsonProperty("min_p") Double minP,
            @JsonProperty("typical_p") Double typicalP,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            @JsonProperty("min_tokens") Integer minTokens,
            @JsonProperty("ignore_eos") Boolean ignoreEos,
            @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
            @JsonProperty("do_sample") Boolean doSample) {
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
