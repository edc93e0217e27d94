package io.inrank.inference.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inrank.inference.TinyCheckpoint;
import io.inrank.model.backend.Backends;
import io.inrank.model.generate.Sampler;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every admitted request is answered once and gives its place back, whatever goes wrong; a wedge is reported. */
class EngineInvariantTest {
    @TempDir
    static Path tmp;

    static ServedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = ServedModel.load(Backends.open("nd4j"), TinyCheckpoint.write(tmp, "e", 5));
    }

    /** Completes with the result, or exceptionally with the request's own failure. */
    static final class Answer extends CompletableFuture<Generation.Result> implements GenerationListener {
        final long sleepPerTokenMs;

        Answer(long sleepPerTokenMs) {
            this.sleepPerTokenMs = sleepPerTokenMs;
        }

        @Override
        public void token(int id, String text) {
            if (sleepPerTokenMs == 0) return;
            try {
                Thread.sleep(sleepPerTokenMs); // a slow step, as a wedged backend would be
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void done(Generation.Result r) {
            if (!complete(r)) throw new AssertionError("answered twice");
        }

        @Override
        public void failed(Throwable e) {
            if (!completeExceptionally(e)) throw new AssertionError("answered twice");
        }
    }

    static GenerationRequest request(int maxNew) {
        return new GenerationRequest(Gpt2Tokenizer.encode("Hello there"), maxNew, Sampler.Params.greedy(), List.of());
    }

    static Throwable failure(Answer a) throws Exception {
        try {
            a.get(30, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void aRequestThatCannotStartFailsAloneAndFreesItsPlace() throws Exception {
        try (Engine e = new Engine(2, 2)) {
            e.swap(model);
            // more than the places there are: a leaked place would refuse (Busy) or hang the later ones
            for (int i = 0; i < 5; i++) {
                Answer bad = new Answer(0), good = new Answer(0);
                e.submit(request(Integer.MAX_VALUE), bad); // only the HTTP layer's validation stands in its way
                e.submit(request(3), good);
                assertNotNull(failure(bad), "its own error");
                assertEquals(3, good.get(30, TimeUnit.SECONDS).tokens().length, "its neighbour is served");
            }
            for (int i = 0; i < 50 && e.inFlight() > 0; i++) Thread.sleep(10);
            assertEquals(0, e.inFlight());
            assertNull(e.problem());
        }
    }

    @Test
    void aSlotHeldPastTheDeadlineIsFailedEvenWhileTheWorkerIsStuck() throws Exception {
        try (Engine e = new Engine(4, 2, Duration.ofMillis(1000), Duration.ofMillis(300))) {
            e.swap(model);
            Answer slow = new Answer(2500); // every token takes 2.5 s: the worker is stuck in the step
            long t0 = System.nanoTime();
            e.submit(request(20), slow);
            Thread.sleep(700);
            String problem = e.problem();
            assertNotNull(problem, "no progress with a request in flight is reported");
            assertTrue(problem.contains("no decode progress"), problem);
            Throwable f = failure(slow);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertInstanceOf(Engine.DeadlineExceeded.class, f);
            assertTrue(ms < 2400, "failed by the watchdog while the step still ran (" + ms + " ms)");
            assertEquals(0, e.inFlight(), "its place is free at once");
            // once the worker is back, the engine serves again and is healthy
            Answer next = new Answer(0);
            e.submit(request(2), next);
            assertEquals(2, next.get(30, TimeUnit.SECONDS).tokens().length);
            assertNull(e.problem());
        }
    }
}
