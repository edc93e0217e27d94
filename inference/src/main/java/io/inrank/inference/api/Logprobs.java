package io.inrank.inference.api;

import io.inrank.inference.engine.TokenLogprob;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Log-probabilities in OpenAI's shapes, accumulated token by token. Values are the model's own distribution (softmax
 * of the raw logits, before temperature, repetition penalty, top-k and top-p), as OpenAI and TGI report them; token
 * strings are each token's bytes as UTF-8 (a token that ends inside a character shows U+FFFD, as in OpenAI's text).
 */
final class Logprobs {
    private Logprobs() {}

    static String piece(int id) {
        return new String(Gpt2Tokenizer.bytes(new int[] {id}), StandardCharsets.UTF_8);
    }

    /** Completions: {tokens, token_logprobs, top_logprobs, text_offset}; text_offset counts from {@code start}. */
    static final class Completion {
        final List<String> tokens = new ArrayList<>();
        final List<Double> tokenLogprobs = new ArrayList<>();
        final List<Map<String, Double>> top = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();
        private int offset;

        Completion(int start) {
            offset = start;
        }

        void add(int id, TokenLogprob lp) {
            String t = piece(id);
            tokens.add(t);
            tokenLogprobs.add(lp.logprob());
            Map<String, Double> m = new LinkedHashMap<>();
            for (int j = 0; j < lp.topIds().length; j++) m.putIfAbsent(piece(lp.topIds()[j]), lp.topLogprobs()[j]);
            top.add(m);
            offsets.add(offset);
            offset += t.length();
        }

        /** A token without a log-probability: an echoed prompt's first (OpenAI reports null for it and its top). */
        void addUnscored(int id) {
            String t = piece(id);
            tokens.add(t);
            tokenLogprobs.add(null);
            top.add(null);
            offsets.add(offset);
            offset += t.length();
        }

        boolean isEmpty() {
            return tokens.isEmpty();
        }

        Map<String, Object> json() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("tokens", tokens);
            out.put("token_logprobs", tokenLogprobs);
            out.put("top_logprobs", top);
            out.put("text_offset", offsets);
            return out;
        }

        /** Starts a new batch of tokens (a streamed chunk) at the current offset. */
        Completion next() {
            return new Completion(offset);
        }
    }

    /** Chat: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]}. */
    static final class Chat {
        final List<Map<String, Object>> content = new ArrayList<>();

        void add(int id, TokenLogprob lp) {
            Map<String, Object> e = entry(id, lp.logprob());
            List<Map<String, Object>> top = new ArrayList<>();
            for (int j = 0; j < lp.topIds().length; j++) top.add(entry(lp.topIds()[j], lp.topLogprobs()[j]));
            e.put("top_logprobs", top);
            content.add(e);
        }

        private static Map<String, Object> entry(int id, double logprob) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("token", piece(id));
            e.put("logprob", logprob);
            List<Integer> bytes = new ArrayList<>();
            for (byte b : Gpt2Tokenizer.bytes(new int[] {id})) bytes.add(b & 0xFF);
            e.put("bytes", bytes);
            return e;
        }

        boolean isEmpty() {
            return content.isEmpty();
        }

        Map<String, Object> json() {
            return Map.of("content", content);
        }
    }
}
