package io.inrank.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationListener;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.inference.engine.TokenLogprob;
import io.inrank.inference.service.ModelService;
import io.inrank.inference.service.ServeMetrics;
import io.inrank.model.generate.Tokenizer;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** TGI's API: POST /generate, POST /generate_stream (SSE), POST /tokenize. */
@Path("/")
@Consumes(MediaType.APPLICATION_JSON)
public class TgiResource {
    @Inject
    ModelService service;

    @Inject
    ServeMetrics metrics;

    @Inject
    ObjectMapper json;

    @Inject
    PrometheusMeterRegistry prometheus;

    /**
     * TGI's root route (Hugging Face's clients post here when given a base URL): {@code /generate}, or
     * {@code /generate_stream} as SSE when the body has {@code "stream": true}. Same parameters, same refusals.
     */
    @POST
    @Produces(MediaType.TEXT_PLAIN)
    public RestMulti<String> compat(ObjectNode body) throws JsonProcessingException {
        if (body == null) throw new ApiError(422, "validation", "the body is missing");
        JsonNode flag = body.remove("stream");
        if (flag != null && !flag.isBoolean() && !flag.isNull())
            throw ApiError.validation("parameter 'stream': expected true or false");
        boolean streamed = flag != null && flag.asBoolean(false);
        TgiApi.Request req = json.treeToValue(body, TgiApi.Request.class);
        Multi<String> items = streamed
                ? stream(req).map(e -> "data:" + write(e) + "\n\n")
                : generate(req).map(this::write).toMulti();
        return RestMulti.fromMultiData(items)
                .header("Content-Type", streamed ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-cache")
                .build();
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * TGI's and vLLM's health route: 200 once a model is being served and the engine is not wedged, else 503 with what
     * is missing (never a refused checkpoint's details: those are in the log).
     */
    @GET
    @Path("health")
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        var engine = service.engine();
        String problem = engine == null ? "starting" : engine.problem();
        if (problem == null && engine.model() == null) problem = "no model loaded: " + service.loadProblem();
        return problem == null
                ? Response.ok().build()
                : Response.status(503)
                        .entity(Map.of("error", problem, "error_type", "unavailable"))
                        .build();
    }

    /** Prometheus text at TGI's and vLLM's path: the same registry as /q/metrics (which Kubernetes scrapes). */
    @GET
    @Path("metrics")
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String metrics() {
        return prometheus.scrape();
    }

    @POST
    @Path("generate")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<TgiApi.Response> generate(TgiApi.Request body) {
        boolean details = body != null
                && body.parameters() != null
                && Boolean.TRUE.equals(body.parameters().details());
        GenerationRequest req = request(body, details);
        int topN = req.logprobs();
        List<TgiApi.PrefillToken> prefill = req.promptLogprobs() ? prefillStart(req.prompt()) : null;
        List<TgiApi.Token> tokens = new ArrayList<>();
        List<List<TgiApi.Token>> top = new ArrayList<>();
        return Uni.createFrom().emitter(em -> {
            Engine.Job job = service.engine().submit(req, new GenerationListener() {
                @Override
                public void promptToken(int position, TokenLogprob lp) {
                    int id = req.prompt()[position];
                    prefill.add(new TgiApi.PrefillToken(id, Logprobs.piece(id), lp.logprob()));
                }

                @Override
                public void token(int id, String text, TokenLogprob lp) {
                    if (!details || id < 0) return;
                    tokens.add(new TgiApi.Token(id, text, lp == null ? null : lp.logprob(), id == Tokenizer.EOS));
                    if (topN > 0) top.add(topTokens(lp));
                }

                @Override
                public void done(Generation.Result r) {
                    metrics.finished("generate", r);
                    em.complete(new TgiApi.Response(
                            r.text(), details ? details(r, prefill, tokens, topN > 0 ? top : null) : null));
                }

                @Override
                public void failed(Throwable e) {
                    metrics.outcome("generate", "error");
                    em.fail(e);
                }
            });
            em.onTermination(job::cancel);
        });
    }

    @POST
    @Path("generate_stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<TgiApi.StreamEvent> stream(TgiApi.Request body) {
        if (body != null
                && body.parameters() != null
                && Boolean.TRUE.equals(body.parameters().decoderInputDetails()))
            throw ApiError.validation(
                    "decoder_input_details is not supported when streaming (as in TGI): use /generate");
        GenerationRequest req = request(body, true); // TGI streams every token's logprob
        // submitted before the stream starts: a full queue is a plain 429, not a broken stream
        StreamRelay relay = new StreamRelay(req.logprobs() > 0);
        return relay.stream(service.engine().submit(req, relay));
    }

    /** Engine → SSE events: one per token; text released without a new token joins the previous event. */
    private final class StreamRelay extends Relay<TgiApi.StreamEvent> {
        private final boolean top;
        private Integer lastId;
        private String lastText = "";
        private TokenLogprob lastLp;

        StreamRelay(boolean top) {
            this.top = top;
        }

        @Override
        public void token(int id, String text, TokenLogprob lp) {
            // a text tail without a new token (flushed bytes, released stop-prefix) joins the previous event
            if (id < 0) {
                lastText += text;
                return;
            }
            flush(null, null);
            lastId = id;
            lastText = text;
            lastLp = lp;
        }

        private void flush(String generated, TgiApi.Details details) {
            if (lastId == null) return;
            emit(new TgiApi.StreamEvent(
                    new TgiApi.Token(
                            lastId, lastText, lastLp == null ? null : lastLp.logprob(), lastId == Tokenizer.EOS),
                    generated,
                    details,
                    top ? topTokens(lastLp) : null));
            lastId = null;
        }

        @Override
        public void done(Generation.Result r) {
            metrics.finished("generate_stream", r);
            flush(r.text(), details(r, null, null, null));
            end();
        }

        @Override
        public void failed(Throwable e) {
            metrics.outcome("generate_stream", "error");
            fail(e);
        }
    }

    @POST
    @Path("tokenize")
    @Produces(MediaType.APPLICATION_JSON)
    public List<TgiApi.TokenSpan> tokenize(TgiApi.TokenizeRequest body) {
        if (body == null || body.inputs() == null) throw ApiError.validation("inputs is missing");
        List<TgiApi.TokenSpan> out = new ArrayList<>();
        int at = 0;
        for (int id : Tokenizer.encode(body.inputs())) {
            byte[] b = Tokenizer.bytes(new int[] {id});
            out.add(new TgiApi.TokenSpan(
                    id, new String(b, java.nio.charset.StandardCharsets.UTF_8), at, at + b.length));
            at += b.length;
        }
        return out;
    }

    /** The k most likely tokens of one step, as TGI lists them. */
    static List<TgiApi.Token> topTokens(TokenLogprob lp) {
        List<TgiApi.Token> out = new ArrayList<>();
        if (lp == null) return out;
        for (int j = 0; j < lp.topIds().length; j++) {
            int id = lp.topIds()[j];
            out.add(new TgiApi.Token(id, Logprobs.piece(id), lp.topLogprobs()[j], id == Tokenizer.EOS));
        }
        return out;
    }

    /** @param logprobs whether the response reports log-probabilities (details or a stream) */
    private GenerationRequest request(TgiApi.Request body, boolean logprobs) {
        if (body == null) throw ApiError.validation("the body is missing");
        if (body.stream() != null && body.stream()) throw ApiError.validation("stream=true: use POST /generate_stream");
        ServedModel m = service.model();
        TgiApi.Parameters p = body.parameters() != null
                ? body.parameters()
                : new TgiApi.Parameters(null, null, null, null, null, null, null, null, null, null, null, null);
        boolean prefillDetails = Boolean.TRUE.equals(p.decoderInputDetails());
        if (prefillDetails && !Boolean.TRUE.equals(p.details()))
            throw ApiError.validation("decoder_input_details needs details=true (the prefill is part of details)");
        Integer topN = p.topNTokens();
        if (topN != null && (topN < 0 || topN > MAX_TOP))
            throw ApiError.validation("top_n_tokens must be in [0, " + MAX_TOP + "], got " + topN);
        boolean samplingParams = p.temperature() != null || p.topK() != null || p.topP() != null;
        if (Boolean.FALSE.equals(p.doSample()) && samplingParams) {
            throw ApiError.validation(
                    "do_sample is false but temperature/top_k/top_p are set: drop them or set do_sample true");
        }
        boolean sample = Boolean.TRUE.equals(p.doSample()) || samplingParams;
        GenerationRequest r = Requests.build(
                m,
                body.inputs(),
                p.maxNewTokens() == null ? 20 : p.maxNewTokens(),
                sample,
                p.temperature(),
                p.topK(),
                p.topP(),
                p.repetitionPenalty(),
                p.seed(),
                p.stop(),
                p.truncate(),
                "max_new_tokens");
        if (logprobs || (topN != null && topN > 0)) r = r.withLogprobs(topN == null ? 0 : topN);
        return prefillDetails ? r.withPromptLogprobs() : r;
    }

    /** The most alternatives a step reports (TGI allows 5; OpenAI's chat 20). */
    static final int MAX_TOP = 20;

    /** details.prefill begins with the first prompt token, which has no log-probability (nothing precedes it). */
    private static List<TgiApi.PrefillToken> prefillStart(int[] prompt) {
        List<TgiApi.PrefillToken> out = new ArrayList<>();
        out.add(new TgiApi.PrefillToken(prompt[0], Logprobs.piece(prompt[0]), null));
        return out;
    }

    static TgiApi.Details details(
            Generation.Result r,
            List<TgiApi.PrefillToken> prefill,
            List<TgiApi.Token> tokens,
            List<List<TgiApi.Token>> top) {
        String reason = switch (r.finish()) {
            case LENGTH, CANCELLED -> "length";
            case EOS_TOKEN -> "eos_token";
            case STOP_SEQUENCE -> "stop_sequence";
        };
        return new TgiApi.Details(reason, r.tokens().length, r.seed(), prefill, tokens, top);
    }
}
