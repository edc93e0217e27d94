package io.inrank.inference.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** Request and response shapes of Hugging Face TGI's /generate, /generate_stream and /tokenize. */
public final class TgiApi {
    private TgiApi() {}

    public record Request(String inputs, Parameters parameters, Boolean stream) {}

    /**
     * TGI's GenerateParameters, all of them; null is the default. What cannot be honoured is refused naming the field:
     * {@code watermark: true}, a {@code grammar}, an {@code adapter_id}.
     */
    public record Parameters(
            @JsonProperty("best_of") Integer bestOf,
            @JsonProperty("decoder_input_details") Boolean decoderInputDetails,
            Boolean details,
            @JsonProperty("do_sample") Boolean doSample,
            @JsonProperty("frequency_penalty") Double frequencyPenalty,
            JsonNode grammar,
            @JsonProperty("max_new_tokens") Integer maxNewTokens,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            @JsonProperty("return_full_text") Boolean returnFullText,
            Long seed,
            List<String> stop,
            Double temperature,
            @JsonProperty("top_k") Integer topK,
            @JsonProperty("top_n_tokens") Integer topNTokens,
            @JsonProperty("top_p") Double topP,
            Integer truncate,
            @JsonProperty("typical_p") Double typicalP,
            Boolean watermark,
            @JsonProperty("adapter_id") String adapterId) {
        static Parameters none() {
            return new Parameters(
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null);
        }
    }

    /** One of the other candidates of best_of, as TGI lists them in details.best_of_sequences. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BestOfSequence(
            @JsonProperty("generated_text") String generatedText,
            @JsonProperty("finish_reason") String finishReason,
            @JsonProperty("generated_tokens") int generatedTokens,
            Long seed,
            List<PrefillToken> prefill,
            List<Token> tokens) {}

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
            @JsonProperty("top_tokens") List<List<Token>> topTokens,
            @JsonProperty("best_of_sequences") List<BestOfSequence> bestOfSequences) {
        Details withBestOf(List<BestOfSequence> others) {
            return new Details(finishReason, generatedTokens, seed, prefill, tokens, topTokens, others);
        }
    }

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
