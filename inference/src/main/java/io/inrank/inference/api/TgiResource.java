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
import io.inrank.model.generate.Sampler;
import io.inrank.tokenizer.Gpt2Tokenizer;
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
        var response = RestMulti.fromMultiData(items)
                .header("Content-Type", streamed ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-cache");
        String ignored = IgnoredParameters.header("POST", "/");
        if (ignored != null) response.header(IgnoredParameters.HEADER, ignored);
        return response.build();
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
        GenerationRequest req = request(body, details, false);
        int bestOf = bestOf(body);
        String prefix = fullText(body) ? body.inputs() : "";
        if (bestOf > 1) return bestOf(req, bestOf, details, prefix);
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
                    tokens.add(new TgiApi.Token(id, text, lp == null ? null : lp.logprob(), id == Gpt2Tokenizer.EOS));
                    if (topN > 0) top.add(topTokens(lp));
                }

                @Override
                public void done(Generation.Result r) {
                    metrics.finished("generate", r);
                    em.complete(new TgiApi.Response(
                            prefix + r.text(), details ? details(r, prefill, tokens, topN > 0 ? top : null) : null));
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

    /**
     * TGI's best_of: n sampled candidates (seeds seed, seed + 1, …), answered with the one of highest total
     * log-probability; with details the others are listed in details.best_of_sequences.
     */
    private Uni<TgiApi.Response> bestOf(GenerationRequest req, int n, boolean details, String prefix) {
        List<GenerationRequest> all = new ArrayList<>();
        GenerationRequest scored = req.logprobs() < 0 ? req.withLogprobs(0) : req;
        for (int i = 0; i < n; i++) all.add(scored.withSeed(scored.sampling().seed() + i));
        return Candidates.run(service.engine(), all).map(cs -> {
            int b = Candidates.best(cs);
            List<TgiApi.BestOfSequence> others = new ArrayList<>();
            for (int i = 0; i < cs.size(); i++) {
                Generation.Result r = cs.get(i).get();
                metrics.finished("generate", r);
                if (i != b)
                    others.add(new TgiApi.BestOfSequence(
                            prefix + r.text(),
                            details(r, null, null, null).finishReason(),
                            r.tokens().length,
                            r.seed(),
                            req.promptLogprobs() ? prefill(req.prompt(), cs.get(i)) : null,
                            tokens(cs.get(i))));
            }
            Candidates.Collected best = cs.get(b);
            Generation.Result r = best.get();
            TgiApi.Details d = details
                    ? details(
                                    r,
                                    req.promptLogprobs() ? prefill(req.prompt(), best) : null,
                                    tokens(best),
                                    req.logprobs() > 0
                                            ? best.logprobs.stream()
                                                    .map(TgiResource::topTokens)
                                                    .toList()
                                            : null)
                            .withBestOf(others)
                    : null;
            return new TgiApi.Response(prefix + r.text(), d);
        });
    }

    private static List<TgiApi.Token> tokens(Candidates.Collected c) {
        List<TgiApi.Token> out = new ArrayList<>();
        for (int i = 0; i < c.ids.size(); i++) {
            int id = c.ids.get(i);
            TokenLogprob lp = c.logprobs.get(i);
            out.add(new TgiApi.Token(id, c.texts.get(i), lp == null ? null : lp.logprob(), id == Gpt2Tokenizer.EOS));
        }
        return out;
    }

    private static List<TgiApi.PrefillToken> prefill(int[] prompt, Candidates.Collected c) {
        List<TgiApi.PrefillToken> out = prefillStart(prompt);
        for (int i = 0; i < c.prompt.size() && i + 1 < prompt.length; i++)
            out.add(new TgiApi.PrefillToken(
                    prompt[i + 1],
                    Logprobs.piece(prompt[i + 1]),
                    c.prompt.get(i).logprob()));
        return out;
    }

    /** The most candidates best_of may ask for (TGI's default max_best_of is 2). */
    static final int MAX_BEST_OF = 8;

    private static int bestOf(TgiApi.Request body) {
        Integer b = body.parameters() == null ? null : body.parameters().bestOf();
        return b == null ? 1 : b;
    }

    private static boolean fullText(TgiApi.Request body) {
        return body.parameters() != null
                && Boolean.TRUE.equals(body.parameters().returnFullText());
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
        GenerationRequest req = request(body, true, true); // TGI streams every token's logprob
        // submitted before the stream starts: a full queue is a plain 429, not a broken stream
        StreamRelay relay = new StreamRelay(req.logprobs() > 0, fullText(body) ? body.inputs() : "");
        return relay.stream(service.engine().submit(req, relay));
    }

    /** Engine → SSE events: one per token; text released without a new token joins the previous event. */
    private final class StreamRelay extends Relay<TgiApi.StreamEvent> {
        private final boolean top;
        private final String prefix;
        private Integer lastId;
        private String lastText = "";
        private TokenLogprob lastLp;

        StreamRelay(boolean top, String prefix) {
            this.top = top;
            this.prefix = prefix;
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
                            lastId, lastText, lastLp == null ? null : lastLp.logprob(), lastId == Gpt2Tokenizer.EOS),
                    generated,
                    details,
                    top ? topTokens(lastLp) : null));
            lastId = null;
        }

        @Override
        public void done(Generation.Result r) {
            metrics.finished("generate_stream", r);
            flush(prefix + r.text(), details(r, null, null, null));
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
        for (int id : Gpt2Tokenizer.encode(body.inputs())) {
            byte[] b = Gpt2Tokenizer.bytes(new int[] {id});
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
            out.add(new TgiApi.Token(id, Logprobs.piece(id), lp.topLogprobs()[j], id == Gpt2Tokenizer.EOS));
        }
        return out;
    }

    /**
     * @param logprobs whether the response reports log-probabilities (details or a stream)
     * @param streamed whether the response is an event stream (best_of is not, as in TGI)
     */
    private GenerationRequest request(TgiApi.Request body, boolean logprobs, boolean streamed) {
        if (body == null) throw ApiError.validation("the body is missing");
        if (body.stream() != null && body.stream()) throw ApiError.validation("stream=true: use POST /generate_stream");
        ServedModel m = service.model();
        TgiApi.Parameters p = body.parameters() != null ? body.parameters() : TgiApi.Parameters.none();
        if (Boolean.TRUE.equals(p.watermark()))
            throw ApiError.validation("watermark: true is not supported (this server does not watermark its text)");
        if (p.grammar() != null && !p.grammar().isNull())
            throw ApiError.validation("grammar is not supported (no constrained decoding on this server)");
        if (p.adapterId() != null && !p.adapterId().isEmpty())
            throw ApiError.validation("adapter_id is not supported (one model, no adapters, is served)");
        boolean prefillDetails = Boolean.TRUE.equals(p.decoderInputDetails());
        if (prefillDetails && !Boolean.TRUE.equals(p.details()))
            throw ApiError.validation("decoder_input_details needs details=true (the prefill is part of details)");
        Integer topN = p.topNTokens();
        if (topN != null && (topN < 0 || topN > MAX_TOP))
            throw ApiError.validation("top_n_tokens must be in [0, " + MAX_TOP + "], got " + topN);
        SamplingOptions o = new SamplingOptions(
                p.doSample(),
                p.temperature(),
                p.topK(),
                p.topP(),
                p.typicalP(),
                null,
                p.repetitionPenalty(),
                p.frequencyPenalty(),
                null,
                null,
                p.seed(),
                null,
                null,
                null);
        Integer bestOf = p.bestOf();
        if (bestOf != null) {
            if (bestOf < 1 || bestOf > MAX_BEST_OF)
                throw ApiError.validation("best_of must be in [1, " + MAX_BEST_OF + "], got " + bestOf);
            if (bestOf > 1 && streamed)
                throw ApiError.validation("best_of > 1 is not supported when streaming (as in TGI): use /generate");
            if (bestOf > 1
                    && (Boolean.FALSE.equals(p.doSample()) || !(Boolean.TRUE.equals(p.doSample()) || o.samplingSet())))
                throw ApiError.validation("best_of > 1 needs sampling (do_sample: true, or a sampling parameter):"
                        + " greedy candidates would all be the same");
        }
        GenerationRequest r = Requests.build(
                m,
                Requests.Prompt.text(body.inputs()),
                p.maxNewTokens() == null ? 20 : p.maxNewTokens(),
                "max_new_tokens",
                o,
                false,
                p.stop(),
                p.truncate());
        r = r.withPenaltyScope(Sampler.PenaltyScope.SEQUENCE); // TGI's frequency_penalty: a share of the sequence
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
        return new TgiApi.Details(reason, r.tokens().length, r.seed(), prefill, tokens, top, null);
    }
}
