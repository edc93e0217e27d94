package io.inrank.inference.api;

import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.Generation;
import io.inrank.inference.engine.GenerationListener;
import io.inrank.inference.engine.GenerationRequest;
import io.inrank.inference.engine.TokenLogprob;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Several generations answered together: OpenAI's {@code n}, {@code best_of} and list prompts, TGI's {@code best_of}.
 * Every one is submitted at once (they decode side by side in the batch); a full server refuses the whole request
 * (429), cancelling what it had already queued; a client that leaves cancels all of them.
 */
final class Candidates {
    private Candidates() {}

    /** One finished generation with what it produced, token by token (log-probabilities when they were asked for). */
    static final class Collected implements GenerationListener {
        final List<Integer> ids = new ArrayList<>();
        final List<String> texts = new ArrayList<>();
        final List<TokenLogprob> logprobs = new ArrayList<>();
        final List<TokenLogprob> prompt = new ArrayList<>();
        final CompletableFuture<Generation.Result> result = new CompletableFuture<>();
        /** Text released with no new token (held-back bytes, a stop prefix that was not one). */
        final StringBuilder tail = new StringBuilder();

        @Override
        public void token(int id, String text, TokenLogprob lp) {
            if (id < 0) {
                tail.append(text);
                return;
            }
            ids.add(id);
            texts.add(text);
            logprobs.add(lp);
        }

        @Override
        public void promptToken(int position, TokenLogprob lp) {
            prompt.add(lp);
        }

        @Override
        public void done(Generation.Result r) {
            result.complete(r);
        }

        @Override
        public void failed(Throwable e) {
            result.completeExceptionally(e);
        }

        Generation.Result get() {
            return result.join();
        }

        /** The sum of the generated tokens' log-probabilities: how TGI and OpenAI rank best_of candidates. */
        double total() {
            double s = 0;
            for (TokenLogprob lp : logprobs) if (lp != null) s += lp.logprob();
            return s;
        }
    }

    /** Submits every request and completes when all are done (or fails with the first failure). */
    static Uni<List<Collected>> run(Engine engine, List<GenerationRequest> requests) {
        List<Collected> out = new ArrayList<>();
        List<Engine.Job> jobs = new ArrayList<>();
        try {
            for (GenerationRequest r : requests) {
                Collected c = new Collected();
                jobs.add(engine.submit(r, c));
                out.add(c);
            }
        } catch (RuntimeException e) {
            jobs.forEach(Engine.Job::cancel);
            throw e;
        }
        CompletableFuture<?>[] all = out.stream().map(c -> c.result).toArray(CompletableFuture[]::new);
        return Uni.createFrom()
                .completionStage(CompletableFuture.allOf(all).thenApply(v -> out))
                .onFailure(CompletionException.class)
                .transform(Throwable::getCause)
                .onCancellation()
                .invoke(() -> jobs.forEach(Engine.Job::cancel))
                .onFailure()
                .invoke(e -> jobs.forEach(Engine.Job::cancel));
    }

    /** The index of the candidate with the highest total log-probability (the first on a tie). */
    static int best(List<Collected> cs) {
        int b = 0;
        for (int i = 1; i < cs.size(); i++) if (cs.get(i).total() > cs.get(b).total()) b = i;
        return b;
    }
}
