package io.inrank.inference.engine;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import io.inrank.model.generate.KvDecoder;
import io.inrank.model.generate.Sampler;
import io.inrank.model.generate.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One request's decoding loop on a KV cache: prefill the prompt, then sample until max tokens, EOS or a stop
 * sequence; text goes out through {@link TextStream} (whole characters) and {@link StopMatcher} (nothing after a stop).
 */
public final class Generation {
    private Generation() {}

    /** TGI's finish reasons; OpenAI's are derived ("length" → length, the rest → stop). */
    public enum Finish { LENGTH, EOS_TOKEN, STOP_SEQUENCE, CANCELLED }

    public record Result(String text, int[] tokens, int promptTokens, Finish finish, long seed, long firstTokenNanos, long totalNanos) {}

    static Result run(KvDecoder decoder, Backend be, GenerationRequest req, GenerationListener out, BooleanSupplier cancelled) {
        long t0 = System.nanoTime(), first = 0;
        decoder.reset();
        Sampler sampler = new Sampler(req.sampling());
        List<Integer> history = new ArrayList<>(req.prompt().length + req.maxNewTokens());
        Tensor logits = null;
        for (int t : req.prompt()) {
            logits = decoder.next(t);
            history.add(t);
        }
        TextStream text = new TextStream();
        StopMatcher stops = new StopMatcher(req.stops());
        List<Integer> generated = new ArrayList<>();
        Finish finish = Finish.LENGTH;
        while (generated.size() < req.maxNewTokens()) {
            if (cancelled.getAsBoolean()) {
                finish = Finish.CANCELLED;
                break;
            }
            int tok = sampler.next(be, logits, history);
            if (first == 0) first = System.nanoTime() - t0;
            history.add(tok);
            generated.add(tok);
            if (tok == Tokenizer.EOS) {
                out.token(tok, "");
                finish = Finish.EOS_TOKEN;
                break;
            }
            String delta = stops.push(text.push(tok));
            out.token(tok, delta);
            if (stops.stopped()) {
                finish = Finish.STOP_SEQUENCE;
                break;
            }
            if (generated.size() < req.maxNewTokens()) logits = decoder.next(tok);
        }
        if (finish != Finish.STOP_SEQUENCE) {
            String tail = stops.push(text.finish());
            tail += stops.finish();
            if (!tail.isEmpty()) out.token(-1, tail);
            if (stops.stopped()) finish = Finish.STOP_SEQUENCE;
        }
        int[] ids = generated.stream().mapToInt(Integer::intValue).toArray();
        return new Result(stops.text(), ids, req.prompt().length, finish, req.sampling().seed(), first, System.nanoTime() - t0);
    }
}
