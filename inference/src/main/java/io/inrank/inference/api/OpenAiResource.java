package io.inrank.inference.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.inference.engine.TokenLogprob;
import io.inrank.inference.service.ModelService;
import io.inrank.inference.service.ServeMetrics;
import io.inrank.tokenizer.Gpt2Tokenizer;
import io.smallrye.mutiny.Multi;
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
        Choices c = choices(body, m);
        String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        String name = service.name(m);
        boolean stream = Boolean.TRUE.equals(body.stream());
        Multi<String> items;
        if (c.requests().size() == 1 && !c.scored() && !c.promptOnly()) {
            GenerationRequest req = c.requests().get(0);
            ItemRelay relay = new ItemRelay(
                    id, created, name, stream, req.logprobs() >= 0, 0, c.echo().get(0), true);
            items = relay.stream(service.engine().submit(req, relay));
        } else if (stream) {
            items = streamAll(c, id, created, name);
        } else {
            items = Candidates.run(service.engine(), c.requests())
                    .map(cs -> write(completion(c, cs, id, created, name)))
                    .toMulti();
        }
        var response = RestMulti.fromMultiData(items)
                .header("Content-Type", stream ? "text/event-stream" : MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-cache");
        String ignored = IgnoredParameters.header("POST", "/v1/completions");
        if (ignored != null) response.header(IgnoredParameters.HEADER, ignored);
        return response.build();
    }

    /**
     * What one request asks for: a generation per prompt and candidate (prompt p's candidates at [p·k, (p+1)·k), k =
     * best_of), n of them answered per prompt, each choice's echoed prompt text.
     */
    record Choices(
            List<GenerationRequest> requests,
            int prompts,
            int n,
            int bestOf,
            List<String> echo,
            boolean logprobs,
            boolean scored,
            boolean promptOnly) {}

    /** Every choice streamed as its own events (index = prompt · n + j), then one [DONE]. */
    private Multi<String> streamAll(Choices c, String id, long created, String name) {
        List<Multi<String>> parts = new ArrayList<>();
        List<Engine.Job> jobs = new ArrayList<>();
        try {
            for (int i = 0; i < c.requests().size(); i++) {
                GenerationRequest req = c.requests().get(i);
                ItemRelay relay = new ItemRelay(
                        id,
                        created,
                        name,
                        true,
                        req.logprobs() >= 0,
                        i,
                        c.echo().get(i),
                        false);
                Engine.Job job = service.engine().submit(req, relay);
                jobs.add(job);
                parts.add(relay.stream(job));
            }
        } catch (RuntimeException e) {
            jobs.forEach(Engine.Job::cancel);
            throw e;
        }
        return Multi.createBy()
                .concatenating()
                .streams(
                        Multi.createBy().merging().streams(parts),
                        Multi.createFrom().item("data: [DONE]\n\n"));
    }

    /** The non-streamed answer: per prompt its n choices (the n best by total log-probability when best_of > n). */
    private OpenAiApi.Completion completion(
            Choices c, List<Candidates.Collected> cs, String id, long created, String name) {
        List<OpenAiApi.Choice> out = new ArrayList<>();
        int prompt = 0, completion = 0;
        for (int p = 0; p < c.prompts(); p++) {
            List<Integer> order = new ArrayList<>();
            for (int j = 0; j < c.bestOf(); j++) order.add(p * c.bestOf() + j);
            if (c.bestOf() > c.n())
                order.sort((a, b) -> Double.compare(cs.get(b).total(), cs.get(a).total()));
            for (int j = 0; j < c.n(); j++) {
                int k = order.get(j);
                Candidates.Collected x = cs.get(k);
                Generation.Result r = x.get();
                Object lp = null;
                if (c.logprobs()) {
                    Logprobs.Completion l = new Logprobs.Completion(
                            c.scored() ? 0 : c.echo().get(k).length());
                    if (c.scored()) { // the prompt's tokens first: the first has no log-probability (nothing before it)
                        int[] ids = c.requests().get(k).prompt();
                        l.addUnscored(ids[0]);
                        for (int t = 1; t < ids.length; t++) l.add(ids[t], x.prompt.get(t - 1));
                    }
                    if (!c.promptOnly())
                        for (int t = 0; t < x.ids.size(); t++)
                            if (x.logprobs.get(t) != null && x.ids.get(t) != Gpt2Tokenizer.EOS)
                                l.add(x.ids.get(t), x.logprobs.get(t));
                    lp = l.json();
                }
                String text = c.echo().get(k) + (c.promptOnly() ? "" : r.text());
                out.add(new OpenAiApi.Choice(text, p * c.n() + j, lp, reason(r)));
            }
            prompt += cs.get(p * c.bestOf()).get().promptTokens();
            if (!c.promptOnly())
                for (int j = 0; j < c.bestOf(); j++)
                    completion += cs.get(p * c.bestOf() + j).get().tokens().length;
        }
        for (Candidates.Collected x : cs) metrics.finished("completions", x.get());
        return new OpenAiApi.Completion(
                id,
                "text_completion",
                created,
                name,
                out,
                new OpenAiApi.Usage(prompt, completion, prompt + completion));
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Engine → response items for one choice: SSE chunks (one per piece of text, a last one with finish_reason and
     * usage, then [DONE] when it is the only choice) or one JSON. With echo the prompt's text comes first.
     */
    private final class ItemRelay extends Relay<String> {
        private final String id, model, echo;
        private final long created;
        private final boolean stream, logprobs, last;
        private final int index;
        private boolean echoed;
        /** Tokens not yet reported: those of the text since the last chunk (all of them when not streaming). */
        private Logprobs.Completion pending;

        ItemRelay(
                String id,
                long created,
                String model,
                boolean stream,
                boolean logprobs,
                int index,
                String echo,
                boolean last) {
            this.id = id;
            this.created = created;
            this.model = model;
            this.stream = stream;
            this.logprobs = logprobs;
            this.index = index;
            this.echo = echo;
            this.last = last;
            this.pending = new Logprobs.Completion(echo.length());
        }

        private String chunk(String text, String finish, OpenAiApi.Usage usage) {
            Object lp = null;
            if (logprobs) {
                lp = pending.json();
                pending = pending.next();
            }
            return write(new OpenAiApi.Completion(
                    id,
                    "text_completion",
                    created,
                    model,
                    List.of(new OpenAiApi.Choice(text, index, lp, finish)),
                    usage));
        }

        private void echoOnce() {
            if (echoed || echo.isEmpty()) return;
            echoed = true;
            if (stream)
                emit("data: "
                        + write(new OpenAiApi.Completion(
                                id,
                                "text_completion",
                                created,
                                model,
                                List.of(new OpenAiApi.Choice(echo, index, null, null)),
                                null))
                        + "\n\n");
        }

        @Override
        public void token(int tokenId, String text, TokenLogprob lp) {
            echoOnce();
            if (logprobs && lp != null && tokenId != Gpt2Tokenizer.EOS) pending.add(tokenId, lp);
            if (stream && !text.isEmpty()) emit("data: " + chunk(text, null, null) + "\n\n");
        }

        @Override
        public void done(Generation.Result r) {
            metrics.finished(stream ? "completions_stream" : "completions", r);
            if (stream) {
                echoOnce();
                emit("data: " + chunk("", reason(r), usage(r)) + "\n\n");
                if (last) emit("data: [DONE]\n\n");
            } else {
                emit(chunk(echo + r.text(), reason(r), usage(r)));
            }
            end();
        }

        @Override
        public void failed(Throwable e) {
            metrics.outcome(stream ? "completions_stream" : "completions", "error");
            fail(e);
        }
    }

    /** The most choices one request may ask for, prompts × best_of (each is a generation in the batch). */
    static final int MAX_CHOICES = 32;

    private Choices choices(OpenAiApi.CompletionRequest b, ServedModel m) {
        if (b == null) throw new ApiError(422, "validation", "the body is missing");
        // "model" is accepted whatever it says, as TGI does: one model is served, and clients fill the field with
        // an endpoint URL or a name of their own (Hugging Face's client sends the URL); responses carry the served id.
        if (b.suffix() != null && !b.suffix().isEmpty())
            throw ApiError.validation("suffix is not supported (this model completes text; it does not insert)");
        boolean stream = Boolean.TRUE.equals(b.stream());
        if (b.streamOptions() != null && !stream) throw ApiError.validation("stream_options needs stream=true");
        if (b.logprobs() != null && (b.logprobs() < 0 || b.logprobs() > MAX_LOGPROBS))
            throw ApiError.validation("logprobs must be in [0, " + MAX_LOGPROBS + "], got " + b.logprobs());
        int n = b.n() == null ? 1 : b.n();
        if (n < 1) throw ApiError.validation("n must be >= 1, got " + n);
        int bestOf = b.bestOf() == null ? n : b.bestOf();
        if (bestOf < n) throw ApiError.validation("best_of must be >= n (" + n + "), got " + bestOf);
        if (bestOf > n && stream)
            throw ApiError.validation("best_of > n cannot be streamed (as in OpenAI's API): drop stream or best_of");
        if (Boolean.TRUE.equals(b.watermark()))
            throw ApiError.validation("watermark: true is not supported (this server does not watermark its text)");
        boolean echo = Boolean.TRUE.equals(b.echo()) || Boolean.TRUE.equals(b.returnFullText());
        boolean scored = echo && b.logprobs() != null; // the prompt's own log-probabilities too (lm-eval style)
        if (scored && stream)
            throw ApiError.validation(
                    "echo with logprobs cannot be streamed yet: drop stream (the answer is one JSON)");
        // max_tokens 0 (with echo): score the prompt only. One token is generated and left out of the answer
        boolean promptOnly = b.maxTokens() != null && b.maxTokens() == 0;
        if (promptOnly && !echo) throw ApiError.validation("max_tokens must be >= 1 (0 only with echo), got 0");
        if (promptOnly && stream) throw ApiError.validation("max_tokens 0 cannot be streamed: drop stream");
        List<Requests.Prompt> prompts = prompts(b.prompt());
        if ((long) prompts.size() * bestOf > MAX_CHOICES)
            throw ApiError.validation(prompts.size() + " prompts × best_of/n " + bestOf + " = "
                    + (long) prompts.size() * bestOf + " generations, more than the " + MAX_CHOICES
                    + " one request may ask for");
        SamplingOptions o = b.sampling();
        List<String> stops = stops(b.stop());
        List<GenerationRequest> out = new ArrayList<>();
        List<String> echoes = new ArrayList<>();
        for (Requests.Prompt p : prompts) {
            int max = b.maxTokens() == null ? 16 : promptOnly ? 1 : b.maxTokens();
            GenerationRequest r = Requests.build(m, p, max, "max_tokens", o, true, stops, null);
            if (b.logprobs() != null) r = r.withLogprobs(b.logprobs());
            if (scored) r = r.withPromptLogprobs();
            else if (bestOf > n) r = r.withLogprobs(0); // the ranking needs each token's log-probability
            // candidate i of a prompt draws with seed + i, so a seeded request is reproducible choice by choice
            for (int i = 0; i < bestOf; i++) {
                out.add(i == 0 ? r : r.withSeed(r.sampling().seed() + i));
                echoes.add(echo ? (p.text() != null ? p.text() : Gpt2Tokenizer.decode(p.ids())) : "");
            }
        }
        return new Choices(out, prompts.size(), n, bestOf, echoes, b.logprobs() != null, scored, promptOnly);
    }

    /** OpenAI's prompt shapes: a string, a list of strings, a list of token ids, a list of lists of token ids. */
    static List<Requests.Prompt> prompts(JsonNode p) {
        if (p == null || p.isNull()) throw ApiError.validation("prompt is missing");
        if (p.isTextual()) return List.of(Requests.Prompt.text(p.asText()));
        if (!p.isArray() || p.isEmpty())
            throw ApiError.validation(
                    "prompt must be a string, a list of strings, a list of token ids or a list of" + " such lists");
        List<Requests.Prompt> out = new ArrayList<>();
        if (p.get(0).isIntegralNumber()) {
            out.add(Requests.Prompt.ids(ids(p, "prompt")));
            return out;
        }
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            if (e.isTextual()) out.add(Requests.Prompt.text(e.asText()));
            else if (e.isArray()) out.add(Requests.Prompt.ids(ids(e, "prompt[" + i + "]")));
            else throw ApiError.validation("prompt[" + i + "] must be a string or a list of token ids");
        }
        return out;
    }

    private static int[] ids(JsonNode a, String name) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = a.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt())
                throw ApiError.validation(name + "[" + i + "] must be a token id (an integer)");
            out[i] = v.asInt();
        }
        return out;
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
