package io.inrank.model.generate;

import io.inrank.model.GptModel;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Text in, tokens out: prefill the prompt through the KV cache, then sample until {@code maxNewTokens}, EOS, or the
 * context is full. Each new token is handed to {@code onToken} as it is produced (for streaming).
 */
public final class Generator {
    private final KvDecoder decoder;
    private final io.inrank.model.backend.Backend be;

    public Generator(GptModel model) {
        this.decoder = new KvDecoder(model);
        this.be = model.backend();
    }

    /** Why generation stopped (the vocabulary of TGI's finish_reason). */
    public enum Finish {
        LENGTH,
        EOS_TOKEN
    }

    public record Result(int[] prompt, int[] generated, Finish finish) {}

    public Result generate(int[] prompt, int maxNewTokens, Sampler.Params params, IntConsumer onToken) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        decoder.reset();
        Sampler sampler = new Sampler(params, prompt.length);
        List<Integer> history = new ArrayList<>();
        var logits = decoder.next(prompt[0]);
        history.add(prompt[0]);
        for (int i = 1; i < prompt.length; i++) {
            logits = decoder.next(prompt[i]);
            history.add(prompt[i]);
        }
        List<Integer> out = new ArrayList<>();
        Finish finish = Finish.LENGTH;
        while (out.size() < maxNewTokens) {
            int tok = sampler.next(be, logits, history);
            out.add(tok);
            history.add(tok);
            if (onToken != null) onToken.accept(tok);
            if (tok == Gpt2Tokenizer.EOS) {
                finish = Finish.EOS_TOKEN;
                break;
            }
            if (out.size() >= maxNewTokens || decoder.position() >= decoder.capacity()) break;
            logits = decoder.next(tok);
        }
        return new Result(prompt, out.stream().mapToInt(Integer::intValue).toArray(), finish);
    }
}
