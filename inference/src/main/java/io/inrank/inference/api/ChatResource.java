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
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * OpenAI's chat completions, POST /v1/chat/completions, plain or streamed ({@code chat.completion.chunk}: the role
 * first, then text deltas, a last chunk with finish_reason, a usage chunk with {@code stream_options.include_usage},
 * then {@code [DONE]}). GPT-2 has no chat format, so messages become a prompt through a plain, configurable
 * {@link ChatTemplate}; the reply ends where the model starts another turn. Validation and refusals are the
 * completions endpoint's.
 */
@Path("/v1/chat")
public class ChatResource {
    @Inject
    ModelService service;

    @Inject
    ServeMetrics metrics;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "inrank.serve.chat.message-format", defaultValue = ChatTemplate.DEFAULT_FORMAT)
    String format;

    @ConfigProperty(name = "inrank.serve.chat.assistant-prefix", defaultValue = ChatTemplate.DEFAULT_PREFIX)
    String prefix;

    @ConfigProperty(name = "inrank.serve.chat.roles", defaultValue = ChatTemplate.DEFAULT_ROLES)
    String roles;

    private ChatTemplate template;

    @PostConstruct
    void init() {
        template = ChatTemplate.of(format, prefix, roles);
    }

    @POST
    @Path("completions")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.TEXT_PLAIN)
    public RestMulti<String> completions(ChatApi.Request body) {
        ServedModel m = service.model();
        GenerationRequest req = request(body, m);
        boolean stream = Boolean.TRUE.equals(body.stream());
        boolean usage = body.streamOptions() != null
                && Boolean.TRUE.equals(body.streamOptions().includeUsage());
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        int n = body.n() == null ? 1 : body.n();
        Multi<String> items;
        if (n == 1) {
            ChunkRelay relay =
                    new ChunkRelay(id, created, service.name(m), stream, usage, req.logprobs() >= 0, 0, true);
            items = relay.stream(service.engine().submit(req, relay));
        } else if (stream) { // each choice's chunks carry its index; one [DONE] after all
            List<Multi<String>> parts = new ArrayList<>();
            List<Engine.Job> jobs = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    GenerationRequest r = req.withSeed(req.sampling().seed() + i);
                    ChunkRelay relay =
                            new ChunkRelay(id, created, service.name(m), true, usage, req.logprobs() >= 0, i, false);
                    Engine.Job job = service.engine().submit(r, relay);
                    jobs.add(job);
                    parts.add(relay.stream(job));
                }
            } catch (RuntimeException e) {
                jobs.forEach(Engine.Job::cancel);
                throw e;
            }
            items = Multi.createBy()
                    .concatenating()
                    .streams(
                            Multi.createBy().merging().streams(parts),
                            Multi.createFrom().item("data: [DONE]\n\n"));
        } else {
            List<GenerationRequest> all = new ArrayList<>();
            for (int i = 0; i < n; i++) all.add(req.withSeed(req.sampling().seed() + i));
            items = Candidates.run(service.engine(), all)
                    .map(cs -> completion(cs, id, created, service.name(m), req.logprobs() >= 0))
                    .toMulti();
        }
        var response = RestMulti.fromMultiData(items)
                .header("Content-Type", stream ? "text/event-stream" : MediaType.APPLICATION_JSON)
                .header("Cache-Control", "no-cache");
        String ignored = IgnoredParameters.header("POST", "/v1/chat/completions");
        if (ignored != null) response.header(IgnoredParameters.HEADER, ignored);
        return response.build();
    }

    private GenerationRequest request(ChatApi.Request b, ServedModel m) {
        if (b == null) throw new ApiError(422, "validation", "the body is missing");
        if (b.n() != null && (b.n() < 1 || b.n() > OpenAiResource.MAX_CHOICES))
            throw ApiError.validation("n must be in [1, " + OpenAiResource.MAX_CHOICES + "], got " + b.n());
        if (b.streamOptions() != null && !Boolean.TRUE.equals(b.stream()))
            throw ApiError.validation("stream_options needs stream=true");
        if (b.topLogprobs() != null && !Boolean.TRUE.equals(b.logprobs()))
            throw ApiError.validation("top_logprobs needs logprobs=true");
        if (b.topLogprobs() != null && (b.topLogprobs() < 0 || b.topLogprobs() > TgiResource.MAX_TOP))
            throw ApiError.validation(
                    "top_logprobs must be in [0, " + TgiResource.MAX_TOP + "], got " + b.topLogprobs());
        if (b.maxTokens() != null && b.maxCompletionTokens() != null)
            throw ApiError.validation("give max_tokens or max_completion_tokens, not both");
        String format = b.responseFormat() == null || b.responseFormat().isNull()
                ? "text"
                : b.responseFormat().path("type").asText();
        if (!format.equals("text"))
            throw ApiError.validation(
                    "response_format '" + format
                            + "' is not supported: constrained decoding (JSON output) is not implemented; use {\"type\": \"text\"}");
        for (var f : new Object[][] {{"tools", b.tools()}, {"functions", b.functions()}}) {
            JsonNode v = (JsonNode) f[1];
            if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty()))
                throw ApiError.validation(f[0] + ": tool calling is not implemented by this server");
        }
        for (var f : new Object[][] {{"tool_choice", b.toolChoice()}, {"function_call", b.functionCall()}}) {
            JsonNode v = (JsonNode) f[1];
            if (v != null && !v.isNull() && !(v.isTextual() && v.asText().equals("none")))
                throw ApiError.validation(f[0] + ": tool calling is not implemented by this server");
        }
        String prompt = template.render(b.messages());
        Integer max = b.maxCompletionTokens() != null ? b.maxCompletionTokens() : b.maxTokens();
        // without a limit the reply may fill the rest of the context (OpenAI's default: up to the model's limit)
        int maxNew = max != null ? max : Math.max(1, m.context() - Gpt2Tokenizer.encode(prompt).length);
        GenerationRequest r = Requests.build(
                m,
                Requests.Prompt.text(prompt),
                maxNew,
                b.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens",
                b.sampling(),
                true,
                OpenAiResource.stops(b.stop()),
                null);
        List<String> stops = new ArrayList<>(r.stops());
        stops.addAll(template.turnStops());
        int logprobs = Boolean.TRUE.equals(b.logprobs()) ? (b.topLogprobs() == null ? 0 : b.topLogprobs()) : -1;
        return r.withStops(stops).withLogprobs(logprobs);
    }

    /** n non-streamed choices (seeds seed + i), in one chat.completion. */
    private String completion(List<Candidates.Collected> cs, String id, long created, String model, boolean logprobs) {
        List<ChatApi.Choice> choices = new ArrayList<>();
        int prompt = 0, completion = 0;
        for (int i = 0; i < cs.size(); i++) {
            Candidates.Collected c = cs.get(i);
            Generation.Result r = c.get();
            metrics.finished("chat", r);
            Object lp = null;
            if (logprobs) {
                Logprobs.Chat l = new Logprobs.Chat();
                for (int t = 0; t < c.ids.size(); t++)
                    if (c.logprobs.get(t) != null && c.ids.get(t) != Gpt2Tokenizer.EOS)
                        l.add(c.ids.get(t), c.logprobs.get(t));
                lp = l.json();
            }
            choices.add(new ChatApi.Choice(i, new ChatApi.Reply("assistant", r.text()), lp, OpenAiResource.reason(r)));
            prompt = r.promptTokens();
            completion += r.tokens().length;
        }
        try {
            return json.writeValueAsString(new ChatApi.Completion(
                    id,
                    "chat.completion",
                    created,
                    model,
                    choices,
                    new OpenAiApi.Usage(prompt, completion, prompt + completion)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Engine → one chat.completion, or chat.completion.chunk events. */
    private final class ChunkRelay extends Relay<String> {
        private final String id, model;
        private final long created;
        private final boolean stream, usage, logprobs, last;
        private final int index;
        private boolean started;
        /** Tokens not yet reported (those of the text since the last chunk; all of them when not streaming). */
        private Logprobs.Chat pending = new Logprobs.Chat();

        ChunkRelay(
                String id,
                long created,
                String model,
                boolean stream,
                boolean usage,
                boolean logprobs,
                int index,
                boolean last) {
            this.index = index;
            this.last = last;
            this.id = id;
            this.created = created;
            this.model = model;
            this.stream = stream;
            this.usage = usage;
            this.logprobs = logprobs;
        }

        /** The pending log-probabilities for the chunk or reply being written (null when not asked for). */
        private Object takeLogprobs() {
            if (!logprobs) return null;
            Object out = pending.json();
            pending = new Logprobs.Chat();
            return out;
        }

        private String write(Object o) {
            try {
                return json.writeValueAsString(o);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        private void chunk(ChatApi.Delta delta, String finish, OpenAiApi.Usage u) {
            boolean text = delta != null && delta.role() == null && delta.content() != null;
            List<ChatApi.ChunkChoice> choices = delta == null
                    ? List.of()
                    : List.of(new ChatApi.ChunkChoice(index, delta, text ? takeLogprobs() : null, finish));
            emit("data: " + write(new ChatApi.Chunk(id, "chat.completion.chunk", created, model, choices, u)) + "\n\n");
        }

        private void start() {
            if (started) return;
            started = true;
            chunk(new ChatApi.Delta("assistant", ""), null, null);
        }

        @Override
        public void token(int tokenId, String text, TokenLogprob lp) {
            if (stream) start();
            if (logprobs && lp != null && tokenId != Gpt2Tokenizer.EOS) pending.add(tokenId, lp);
            if (stream && !text.isEmpty()) chunk(new ChatApi.Delta(null, text), null, null);
        }

        @Override
        public void done(Generation.Result r) {
            metrics.finished(stream ? "chat_stream" : "chat", r);
            if (stream) {
                start();
                if (logprobs && !pending.isEmpty()) chunk(new ChatApi.Delta(null, ""), null, null); // held-back tokens
                chunk(new ChatApi.Delta(null, null), OpenAiResource.reason(r), null);
                if (usage) chunk(null, null, OpenAiResource.usage(r));
                if (last) emit("data: [DONE]\n\n");
            } else {
                emit(write(new ChatApi.Completion(
                        id,
                        "chat.completion",
                        created,
                        model,
                        List.of(new ChatApi.Choice(
                                0, new ChatApi.Reply("assistant", r.text()), takeLogprobs(), OpenAiResource.reason(r))),
                        OpenAiResource.usage(r))));
            }
            end();
        }

        @Override
        public void failed(Throwable e) {
            metrics.outcome(stream ? "chat_stream" : "chat", "error");
            fail(e);
        }
    }
}
