package io.inrank.inference.engine;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.Tensor;
import io.inrank.model.generate.Sampler;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * One request inside the running batch: it feeds one token per engine step — its prompt first, then each sampled
 * token — and turns logits into text through {@link TextStream} (whole characters) and {@link StopMatcher} (nothing
 * after a stop). The engine may also feed a chunk of its prompt between steps ({@link #prefilled}); the prompt's last
 * token always goes through a step, whose logits give the first new token.
 */
final class Sequence {
    final Engine.Job job;
    final int slot;
    private final GenerationRequest req;
    private final Sampler sampler;
    private final List<Integer> history;
    private final List<Integer> generated = new ArrayList<>();
    private final TextStream text = new TextStream();
    private final StopMatcher stops;
    /** stop_token_ids as an array: checked for every generated token, without boxing it. */
    private final int[] stopTokens;

    private final long t0 = System.nanoTime();
    private long first;
    private int fed, last;
    private Generation.Result result;
    private double[] raw, scratch; // the step's logits as the model gave them, and the sampler's working copy

    Sequence(Engine.Job job, int slot) {
        this.job = job;
        this.slot = slot;
        this.req = job.request;
        this.sampler = new Sampler(req.sampling(), req.prompt().length, req.penaltyScope());
        this.history = new ArrayList<>(req.prompt().length + req.maxNewTokens());
        this.stops = new StopMatcher(req.stops());
        this.stopTokens = req.stopTokens().stream().mapToInt(Integer::intValue).toArray();
    }

    /** Prompt tokens that can still be prefilled: all not yet fed but the last. */
    int prefillable() {
        if (req.promptLogprobs()) return 0; // every prompt position goes through a step, whose logits are kept
        return Math.max(0, req.prompt().length - 1 - fed);
    }

    int fed() {
        return fed;
    }

    int[] prompt() {
        return req.prompt();
    }

    /** After the engine prefilled prompt[fed, fed + count). */
    void prefilled(int count) {
        for (int i = 0; i < count; i++) history.add(req.prompt()[fed + i]);
        fed += count;
    }

    /** The token this sequence feeds in the next step. */
    int input() {
        return fed < req.prompt().length ? req.prompt()[fed] : last;
    }

    /** After a step: logits predict the token after {@link #input()}. Returns true when the sequence is finished. */
    boolean advance(Backend be, Tensor logits, int capacityLeft) {
        if (fed < req.prompt().length) {
            history.add(req.prompt()[fed]);
            if (++fed < req.prompt().length) { // still prefilling; these logits predict prompt token `fed`
                if (req.promptLogprobs()) {
                    buffers((int) logits.length());
                    be.toHost(logits, raw);
                    job.listener.promptToken(fed, TokenLogprob.of(raw, req.prompt()[fed], Math.max(0, req.logprobs())));
                }
                return false;
            }
        }
        int tok;
        TokenLogprob lp = null;
        if (req.logprobs() >= 0) {
            buffers((int) logits.length());
            be.toHost(logits, raw);
            System.arraycopy(raw, 0, scratch, 0, raw.length);
            tok = sampler.next(scratch, history); // the sampler overwrites its input; raw stays for the logprobs
            lp = TokenLogprob.of(raw, tok, req.logprobs());
        } else {
            tok = sampler.next(be, logits, history);
        }
        if (first == 0) first = System.nanoTime() - t0;
        history.add(tok);
        generated.add(tok);
        if (tok == Gpt2Tokenizer.EOS) {
            job.listener.token(tok, "", lp);
            return finish(Generation.Finish.EOS_TOKEN);
        }
        if (isStopToken(tok)) { // vLLM's stop_token_ids: ends the text like EOS (held-back text flushed)
            job.listener.token(tok, "", lp);
            return finish(Generation.Finish.EOS_TOKEN);
        }
        job.listener.token(tok, stops.push(text.push(tok)), lp);
        if (stops.stopped()) return finish(Generation.Finish.STOP_SEQUENCE);
        if (generated.size() >= req.maxNewTokens() || capacityLeft <= 0) return finish(Generation.Finish.LENGTH);
        last = tok;
        return false;
    }

    private boolean isStopToken(int tok) {
        for (int t : stopTokens) if (t == tok) return true;
        return false;
    }

    /** The logits buffers, made at the first step that needs them and reused for the rest of the sequence. */
    private void buffers(int vocab) {
        if (raw != null && raw.length == vocab) return;
        raw = new double[vocab];
        scratch = new double[vocab];
    }

    /** Ends the sequence (also on cancellation): flushes held-back text and builds the result. */
    boolean finish(Generation.Finish why) {
        Generation.Finish f = why;
        if (f != Generation.Finish.STOP_SEQUENCE) {
            String tail = stops.push(text.finish()) + stops.finish();
            if (!tail.isEmpty()) job.listener.token(-1, tail, null);
            if (stops.stopped() && f != Generation.Finish.CANCELLED) f = Generation.Finish.STOP_SEQUENCE;
        }
        result = new Generation.Result(
                stops.text(),
                generated.stream().mapToInt(Integer::intValue).toArray(),
                req.prompt().length,
                f,
                req.sampling().temperature() == 0 ? null : req.sampling().seed(),
                first,
                System.nanoTime() - t0);
        return true;
    }

    Generation.Result result() {
        return result;
    }
}
