package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Request and response shapes of Hugging Face TGI's /generate, /generate_stream and /tokenize. */
public final class TgiApi {
    private TgiApi() {}

    public record Request(String inputs, Parameters parameters, Boolean stream) {}

    /** Every field is honoured; anything else is refused (unknown parameter → 422). */
    public record Parameters(
            @JsonProperty("max_new_tokens") Integer maxNewTokens,
            Double temperature,
            @JsonProperty("top_k") Integer topK,
            @JsonProperty("top_p") Double topP,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            List<String> stop,
            Long seed,
            @JsonProperty("do_sample") Boolean doSample,
            Boolean details,
            Integer truncate,
            @JsonProperty("top_n_tokens") Integer topNTokens,
            @JsonProperty("decoder_input_details") Boolean decoderInputDetails) {}

    /** A prompt token in details.prefill: its log-probability given the tokens before it (null for the first). */
    public record PrefillToken(int id, String text, Double logprob) {}

    public record Token(int id, String text, Double logprob, boolean special) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Details(
            @JsonProperty("finish_reason") String finishReason,
            @JsonProperty("generated_tokens") int generatedTokens,
            Long seed,
            List<PrefillToken> prefill,
            List<Token> tokens,
            @JsonProperty("top_tokens") List<List<Token>> topTokens) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Response(@JsonProperty("generated_text") String generatedText, Details details) {}

    /** One SSE event: every token; the last one also carries generated_text and details. */
    public record StreamEvent(
            Token token,
            @JsonProperty("generated_text") String generatedText,
            Details details,

            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("top_tokens")
            List<Token> topTokens) {}

    public record TokenizeRequest(String inputs, Parameters parameters) {}

    /** start/stop: UTF-8 byte offsets of the token in the input. */
    public record TokenSpan(int id, String text, int start, int stop) {}
}
