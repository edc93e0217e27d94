package io.inrank.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.ServedModel;
import io.inrank.model.generate.Sampler;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Validation shared by both APIs: every limit is checked here and refused with a message naming the parameter. */
final class Requests {
    static final int MAX_STOPS = 4;
    /**
     * Longest prompt accepted, in characters, checked before tokenizing: a GPT-2 context is 1,024 tokens (about 5,000
     * characters of English), and {@code truncate} keeps the tail of a longer one, so this only stops a client from
     * making the server tokenize megabytes. The request body itself is capped at 1 MiB (413; application.properties).
     */
    static final int MAX_PROMPT_CHARS = 100_000;

    static final int MAX_STOP_CHARS = 256;

    /** Highest temperature accepted (TGI and vLLM set none; past ~10 the distribution is already uniform). */
    static final double MAX_TEMPERATURE = 100;

    private Requests() {}

    /** What a request's prompt is: text to tokenize, or token ids as given (OpenAI's list-of-ids prompts). */
    record Prompt(String text, int[] ids) {
        static Prompt text(String t) {
            return new Prompt(t, null);
        }

        static Prompt ids(int[] ids) {
            return new Prompt(null, ids);
        }
    }

    /** The most entries of logit_bias and stop_token_ids one request may hold (OpenAI allows 300 biases). */
    static final int MAX_BIASES = 300, MAX_STOP_TOKENS = 64;

    /**
     * One validated generation.
     *
     * @param sampleByDefault whether the route samples when the client says nothing about it (OpenAI: yes, at
     *     temperature 1; TGI: only when do_sample or a sampling field is set)
     * @param defaultTemperature used when sampling and no temperature is given
     * @param truncate null = refuse a prompt that does not fit; n = keep its last n tokens
     */
    static GenerationRequest build(
            ServedModel m,
            Prompt prompt,
            int maxNew,
            String maxNewName,
            SamplingOptions o,
            boolean sampleByDefault,
            List<String> stops,
            Integer truncate) {
        int vocab = m.model().config().vocab();
        int[] ids;
        if (prompt.ids() != null) {
            ids = prompt.ids();
            if (ids.length == 0) throw ApiError.validation("the prompt must not be empty");
            for (int id : ids)
                if (id < 0 || id >= vocab)
                    throw ApiError.validation("prompt token " + id + " is not in the vocabulary [0, " + vocab + ")");
        } else {
            String text = prompt.text();
            if (text == null) throw ApiError.validation("the prompt is missing");
            if (text.isEmpty()) throw ApiError.validation("the prompt must not be empty");
            if (text.length() > MAX_PROMPT_CHARS)
                throw ApiError.validation("the prompt has " + text.length() + " characters, more than the "
                        + MAX_PROMPT_CHARS + " this server tokenizes");
            ids = null;
        }
        if (maxNew < 1) throw ApiError.validation(maxNewName + " must be >= 1, got " + maxNew);
        int ctx = m.context();
        if (maxNew > ctx)
            throw ApiError.validation(
                    maxNewName + " is " + maxNew + ", more than the model's context of " + ctx + " tokens");
        Double temperature = o.temperature();
        if (temperature != null && !(temperature >= 0 && temperature <= MAX_TEMPERATURE))
            throw ApiError.validation("temperature must be in [0, " + (int) MAX_TEMPERATURE + "], got " + temperature);
        // -1 is vLLM's "off"; TGI and OpenAI-style clients send nothing instead
        Integer topK = o.topK() != null && o.topK() == -1 ? null : o.topK();
        if (topK != null && topK < 1) throw ApiError.validation("top_k must be >= 1 (or -1: off), got " + topK);
        range("top_p", o.topP(), 0, false, 1);
        range("typical_p", o.typicalP(), 0, false, 1);
        range("min_p", o.minP(), 0, true, 1);
        range("frequency_penalty", o.frequencyPenalty(), -2, true, 2);
        range("presence_penalty", o.presencePenalty(), -2, true, 2);
        Double rp = o.repetitionPenalty();
        if (rp != null && !(rp >= Sampler.MIN_PENALTY && rp <= Sampler.MAX_PENALTY))
            throw ApiError.validation("repetition_penalty must be in [" + Sampler.MIN_PENALTY + ", "
                    + (int) Sampler.MAX_PENALTY + "], got " + rp);
        if (o.seed() != null && o.seed() < 0) throw ApiError.validation("seed must be >= 0, got " + o.seed());
        if (o.minTokens() != null && (o.minTokens() < 0 || o.minTokens() > maxNew))
            throw ApiError.validation(
                    "min_tokens must be in [0, " + maxNewName + " = " + maxNew + "], got " + o.minTokens());
        Map<Integer, Double> bias = logitBias(o.logitBias(), vocab);
        Set<Integer> stopTokens = new LinkedHashSet<>();
        if (o.stopTokenIds() != null) {
            if (o.stopTokenIds().size() > MAX_STOP_TOKENS)
                throw ApiError.validation("at most " + MAX_STOP_TOKENS + " stop_token_ids, got "
                        + o.stopTokenIds().size());
            for (Integer t : o.stopTokenIds()) {
                if (t == null || t < 0 || t >= vocab)
                    throw ApiError.validation("stop_token_ids: " + t + " is not in the vocabulary [0, " + vocab + ")");
                stopTokens.add(t);
            }
        }
        if (truncate != null && truncate < 1) throw ApiError.validation("truncate must be >= 1, got " + truncate);
        List<String> stop = stops == null ? List.of() : stops;
        if (stop.size() > MAX_STOPS)
            throw ApiError.validation("at most " + MAX_STOPS + " stop sequences, got " + stop.size());
        for (String st : stop)
            if (st == null || st.isEmpty() || st.length() > MAX_STOP_CHARS)
                throw ApiError.validation(
                        "stop sequences must be non-empty strings of at most " + MAX_STOP_CHARS + " characters");

        if (ids == null) ids = Gpt2Tokenizer.encode(prompt.text());
        if (ids.length == 0) throw ApiError.validation("the prompt encodes to no tokens");
        if (truncate != null && ids.length > truncate) ids = Arrays.copyOfRange(ids, ids.length - truncate, ids.length);
        if ((long) ids.length + maxNew > ctx) { // both are at most ~2^31: the sum in long cannot overflow
            throw ApiError.validation("the prompt has " + ids.length + " tokens and " + maxNewName + " is " + maxNew
                    + ", but the model's context is " + ctx + " tokens: shorten the prompt, lower " + maxNewName
                    + (truncate == null ? ", or ask for truncation" : ""));
        }
        // do_sample false is greedy whatever else is set (as TGI); below MIN_TEMPERATURE greedy, as vLLM does: dividing
        // logits by less is not sampling in any useful sense, and by a subnormal (5e-324) it overflows to NaN
        boolean sample = Boolean.FALSE.equals(o.doSample())
                ? false
                : Boolean.TRUE.equals(o.doSample()) || sampleByDefault || o.samplingSet();
        boolean greedy = !sample || (temperature != null && temperature < Sampler.MIN_TEMPERATURE);
        long seed = o.seed() != null ? o.seed() : ThreadLocalRandom.current().nextLong(Long.MAX_VALUE);
        Set<Integer> eos = new LinkedHashSet<>(stopTokens);
        eos.add(Gpt2Tokenizer.EOS);
        Sampler.Params p = new Sampler.Params(
                greedy ? 0 : temperature == null ? 1 : temperature,
                greedy || topK == null ? 0 : topK,
                greedy || o.topP() == null ? 1 : o.topP(),
                rp == null ? 1 : rp,
                seed,
                greedy || o.typicalP() == null ? 1 : o.typicalP(),
                greedy || o.minP() == null ? 0 : o.minP(),
                o.frequencyPenalty() == null ? 0 : o.frequencyPenalty(),
                o.presencePenalty() == null ? 0 : o.presencePenalty(),
                bias,
                o.minTokens() == null ? 0 : o.minTokens(),
                Boolean.TRUE.equals(o.ignoreEos()),
                eos);
        return new GenerationRequest(ids, maxNew, p, stop, -1, false, stopTokens);
    }

    private static void range(String name, Double v, double lo, boolean loIncluded, double hi) {
        if (v == null) return;
        if (!((loIncluded ? v >= lo : v > lo) && v <= hi))
            throw ApiError.validation(
                    name + " must be in " + (loIncluded ? "[" : "(") + fmt(lo) + ", " + fmt(hi) + "], got " + v);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** OpenAI's logit_bias: {"50256": -100, …}; keys are token ids as strings, values numbers in [-100, 100]. */
    static Map<Integer, Double> logitBias(JsonNode b, int vocab) {
        if (b == null || b.isNull()) return Map.of();
        if (!b.isObject()) throw ApiError.validation("logit_bias must be an object of token id → bias");
        if (b.size() > MAX_BIASES)
            throw ApiError.validation("logit_bias has " + b.size() + " entries, at most " + MAX_BIASES);
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (var it = b.fields(); it.hasNext(); ) {
            var e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw ApiError.validation("logit_bias: key '" + e.getKey() + "' is not a token id");
            }
            if (id < 0 || id >= vocab)
                throw ApiError.validation("logit_bias: token " + id + " is not in the vocabulary [0, " + vocab + ")");
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.asDouble() >= -100 && v.asDouble() <= 100))
                throw ApiError.validation("logit_bias[" + id + "] must be a number in [-100, 100], got " + v);
            out.put(id, v.asDouble());
        }
        return out;
    }
}
