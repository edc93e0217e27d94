package io.inrank.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.inference.engine.TokenLogprob;
import io.inrank.inference.service.ModelService;
import io.inrank.inference.service.ServeMetrics;
import io.inrank.model.generate.Tokenizer;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI's completions API: POST /v1/completions (plain or SSE with {@code stream: true}; usage in the response and in
 * the last streamed chunk, then {@code [DONE]}) and GET /v1/models.
 */
@Path("/v1")
public class OpenAiResource {
    @Inject
    ModelService service;

    @Inject
    ServeMetrics metrics;

    @Inject
    ObjectMapper json;

    @GET
    @Path("models")
    @Produces(MediaType.APPLICATION_JSON)
    public OpenAiApi.Models models() {
        ServedModel m = service.model();
        return new OpenAiApi.Models("list", List.of(new OpenAiApi.Model(service.name(m), "model", m.step(), "inrank")));
    }

    /**
     * One method for both shapes (the body's {@code stream} decides): the items are written as they are, with the
     * content type set per response — one JSON document, or SSE lines {@code data: {...}} ending with
     * {@code data: [DONE]}.
     */
    @POST
    @Path("completions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.TEXT_PLAIN)
    public RestMulti<String> completions(OpenAiApi.CompletionRequest body) {
        ServedModel m = service.model();
        GenerationRequest req = request(body, m);
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        String name = service.name(m);
        boolean stream = Boolean.TRUE.equals(body.stream());
        ItemRelay relay = new ItemRelay(id, created, name, stream, req.logprobs() >= 0);
        return RestMulti.fromMultiData(relay.stream(service.engine().submit(req, relay)))
                .header("Content-Type", stream ? "text/event-stream" : MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-cache")
                .build();
    }

    /** Engine → response items: SSE chunks (one per piece of text, a last one with finish_reason and usage, [DONE]) or one JSON. */
    private final class ItemRelay extends Relay<String> {
        private final String id, model;
        private final long created;
        private final boolean stream, logprobs;
        /** Tokens not yet reported: those of the text since the last chunk (all of them when not streaming). */
        private Logprobs.Completion pending = new Logprobs.Completion(0);

        ItemRelay(String id, long created, String model, boolean stream, boolean logprobs) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.stream = stream;
            this.logprobs = logprobs;
        }

        private String chunk(String text, String finish, OpenAiApi.Usage usage) {
            Object lp = null;
            if (logprobs) {
                lp = pending.json();
                pending = pending.next();
            }
            try {
                return json.writeValueAsString(new OpenAiApi.Completion(
                        id,
                        "text_completion",
                        created,
                        model,
                        List.of(new OpenAiApi.Choice(text, 0, lp, finish)),
                        usage));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void token(int tokenId, String text, TokenLogprob lp) {
            if (logprobs && lp != null && tokenId != Tokenizer.EOS) pending.add(tokenId, lp);
            if (stream && !text.isEmpty()) emit("data: " + chunk(text, null, null) + "\n\n");
        }

        @Override
        public void done(Generation.Result r) {
            metrics.finished(stream ? "completions_stream" : "completions", r);
            if (stream) {
                emit("data: " + chunk("", reason(r), usage(r)) + "\n\n");
                emit("data: [DONE]\n\n");
            } else {
                emit(chunk(r.text(), reason(r), usage(r)));
            }
            end();
        }

        @Override
        public void failed(Throwable e) {
            metrics.outcome(stream ? "completions_stream" : "completions", "error");
            fail(e);
        }
    }

    private GenerationRequest request(OpenAiApi.CompletionRequest b, ServedModel m) {
        if (b == null) throw new ApiError(422, "validation", "the body is missing");
        // "model" is accepted whatever it says, as TGI does: one model is served, and clients fill the field with
        // an endpoint URL or a name of their own (Hugging Face's client sends the URL); responses carry the served id.
        if (b.n() != null && b.n() != 1)
            throw ApiError.validation("n must be 1 (one completion per request), got " + b.n());
        if (Boolean.TRUE.equals(b.echo())) throw ApiError.validation("echo=true is not supported");
        if (b.streamOptions() != null && !Boolean.TRUE.equals(b.stream()))
            throw ApiError.validation("stream_options needs stream=true");
        if (b.logprobs() != null && (b.logprobs() < 0 || b.logprobs() > MAX_LOGPROBS))
            throw ApiError.validation("logprobs must be in [0, " + MAX_LOGPROBS + "], got " + b.logprobs());
        List<String> stops = stops(b.stop());
        double temperature = b.temperature() == null ? 1.0 : b.temperature();
        GenerationRequest r = Requests.build(
                m,
                b.prompt(),
                b.maxTokens() == null ? 16 : b.maxTokens(),
                temperature > 0,
                temperature,
                null,
                b.topP(),
                null,
                b.seed(),
                stops,
                null,
                "max_tokens");
        return b.logprobs() == null ? r : r.withLogprobs(b.logprobs());
    }

    /** OpenAI's limit for completions. */
    static final int MAX_LOGPROBS = 5;

    static List<String> stops(JsonNode stop) {
        if (stop == null || stop.isNull()) return List.of();
        if (stop.isTextual()) return List.of(stop.asText());
        if (stop.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode n : stop) {
                if (!n.isTextual()) throw ApiError.validation("stop must be a string or a list of strings");
                out.add(n.asText());
            }
            return out;
        }
        throw ApiError.validation("stop must be a string or a list of strings");
    }

    static String reason(Generation.Result r) {
        return r.finish() == Generation.Finish.LENGTH || r.finish() == Generation.Finish.CANCELLED ? "length" : "stop";
    }

    static OpenAiApi.Usage usage(Generation.Result r) {
        return new OpenAiApi.Usage(r.promptTokens(), r.tokens().length, r.promptTokens() + r.tokens().length);
    }
}
