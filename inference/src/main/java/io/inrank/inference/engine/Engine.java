package io.inrank.inference.engine;

import io.inrank.model.backend.Backend;
import io.inrank.model.generate.BatchDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Continuous batching on one worker thread that owns the KV caches: every step advances all running sequences by one
 * token in a single batched forward ({@link BatchDecoder}), after at most one prefill chunk of a long prompt; finished
 * sequences leave and waiting requests join between steps, up to {@code maxBatch} at once. Requests wait in a bounded
 * queue; when it is full, {@link #submit} refuses at once (the HTTP layer answers 429) instead of letting latency grow
 * without bound. A job can be cancelled (client
 * gone): it leaves the batch before the next step. A new model is taken up when the batch has drained; requests
 * already running finish on the model they started with.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class);

    /** Thrown by {@link #submit} when the queue is full. */
    public static final class Busy extends RuntimeException {
        public Busy(String m) {
            super(m);
        }
    }

    /** A queued or running generation. */
    public static final class Job {
        final GenerationRequest request;
        final GenerationListener listener;
        final AtomicBoolean cancelled = new AtomicBoolean();

        Job(GenerationRequest request, GenerationListener listener) {
            this.request = request;
            this.listener = listener;
        }

        public void cancel() {
            cancelled.set(true);
        }
    }

    private record Loaded(ServedModel model, BatchDecoder decoder) {}

    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final int maxBatch, maxConcurrent;
    /** Requests admitted and not yet answered (waiting or running): the limit TGI calls max_concurrent_requests. */
    private final AtomicInteger inFlight = new AtomicInteger();

    private final Thread worker;
    private final RowParallel samplers;
    private volatile boolean running = true;
    private volatile int active;
    private volatile long steps, rows, prefillRows;

    /**
     * @param maxConcurrent requests in flight (waiting + running) before new ones get 429, like TGI's
     *     max_concurrent_requests; clients beyond the batch wait instead of being refused
     * @param maxBatch sequences decoded together per step
     */
    public Engine(int maxConcurrent, int maxBatch) {
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.maxBatch = Math.max(1, maxBatch);
        this.samplers =
                new RowParallel(Math.min(this.maxBatch, Runtime.getRuntime().availableProcessors()));
        worker = new Thread(this::loop, "inference-engine");
        worker.setDaemon(true);
        worker.start();
    }

    /** Serves this model for requests admitted from now on. */
    public void swap(ServedModel m) {
        current.set(m);
    }

    public ServedModel model() {
        return current.get();
    }

    public Job submit(GenerationRequest r, GenerationListener listener) {
        if (inFlight.incrementAndGet() > maxConcurrent) {
            inFlight.decrementAndGet();
            throw new Busy("the server is at capacity (" + maxConcurrent + " requests in flight, " + queue.size()
                    + " of them waiting); retry later");
        }
        Job j = new Job(r, new Releasing(listener));
        queue.add(j);
        return j;
    }

    /** Gives the request's place back when it is answered (done or failed), exactly once. */
    private final class Releasing implements GenerationListener {
        private final GenerationListener inner;
        private final AtomicBoolean released = new AtomicBoolean();

        Releasing(GenerationListener inner) {
            this.inner = inner;
        }

        void release() {
            if (released.compareAndSet(false, true)) inFlight.decrementAndGet();
        }

        @Override
        public void token(int id, String text) {
            inner.token(id, text);
        }

        @Override
        public void token(int id, String text, TokenLogprob logprob) {
            inner.token(id, text, logprob);
        }

        @Override
        public void promptToken(int position, TokenLogprob logprob) {
            inner.promptToken(position, logprob);
        }

        @Override
        public void done(Generation.Result r) {
            release();
            inner.done(r);
        }

        @Override
        public void failed(Throwable e) {
            release();
            inner.failed(e);
        }
    }

    /** Requests waiting or running. */
    public int inFlight() {
        return inFlight.get();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public int queued() {
        return queue.size();
    }

    /** Sequences in the running batch. */
    public int active() {
        return active;
    }

    /** Prompt tokens fed by prefill chunks (the rest of a prompt goes through steps). */
    public long prefillRows() {
        return prefillRows;
    }

    /** Decode steps run, and sequence-rows they advanced (rows / steps = the mean batch size). */
    public long steps() {
        return steps;
    }

    public long rows() {
        return rows;
    }

    public int maxBatch() {
        return maxBatch;
    }

    private void loop() {
        Loaded inUse = null;
        List<Sequence> batch = new ArrayList<>();
        boolean[] used = new boolean[maxBatch];
        int[] tokens = new int[maxBatch], slots = new int[maxBatch];
        List<Sequence> finished = new ArrayList<>(maxBatch); // reused: nothing allocated per step here
        Sampling sampling = new Sampling();
        while (running) {
            try {
                if (batch.isEmpty()) {
                    Job j = queue.take(); // idle: wait for work
                    ServedModel m = current.get();
                    if (m == null) {
                        j.listener.failed(new IllegalStateException("no model loaded"));
                        continue;
                    }
                    if (inUse == null || inUse.model() != m)
                        inUse = new Loaded(m, new BatchDecoder(m.model(), maxBatch));
                    admit(j, inUse, batch, used);
                }
                while (batch.size() < maxBatch && current.get() == inUse.model()) {
                    Job j = queue.poll();
                    if (j == null) break;
                    admit(j, inUse, batch, used);
                }
                batch.removeIf(s -> {
                    if (!s.job.cancelled.get()) return false;
                    s.finish(Generation.Finish.CANCELLED);
                    done(s, used);
                    return true;
                });
                active = batch.size();
                if (batch.isEmpty()) continue;
                // one full chunk (maxBatch tokens) of one waiting prompt per step: its rows share one pass over the
                // weights, so a long prompt of N tokens costs ~N / maxBatch passes instead of N, and the others keep
                // decoding. A chunk is an extra pass, so a short prompt (or a long one's rest) rides along in the steps
                // instead: beside other sequences those steps are needed anyway (a chunk per short prompt gained
                // nothing: inference/BENCHMARKS.md), and alone it saves only a step or two
                for (Sequence s : batch) {
                    int c = Math.min(maxBatch, s.prefillable());
                    if (c < maxBatch) continue;
                    inUse.decoder().prefill(s.slot, s.prompt(), s.fed(), c);
                    s.prefilled(c);
                    prefillRows += c;
                    break;
                }
                int n = batch.size();
                for (int i = 0; i < n; i++) {
                    tokens[i] = batch.get(i).input();
                    slots[i] = batch.get(i).slot;
                }
                inUse.decoder().step(tokens, slots, n);
                steps++;
                rows += n;
                finished.clear();
                sampling.set(batch, inUse.decoder(), inUse.model().model().backend());
                samplers.forEach(n, sampling); // sequences sample independently, on the engine's own threads
                for (int i = 0; i < n; i++) if (sampling.ended[i]) finished.add(batch.get(i));
                for (Sequence s : finished) done(s, used);
                batch.removeAll(finished);
                active = batch.size();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("decode step failed; the batch's requests fail", e);
                for (Sequence s : batch) {
                    used[s.slot] = false;
                    s.job.listener.failed(e);
                }
                batch.clear();
                active = 0;
            }
        }
    }

    /**
     * One step's sampling, row i for sequence i: each has its own sampler, history and listener, so rows may run on
     * different threads; reused across steps.
     */
    private final class Sampling implements java.util.function.IntConsumer {
        final boolean[] ended = new boolean[maxBatch];
        private List<Sequence> batch;
        private BatchDecoder decoder;
        private Backend be;

        void set(List<Sequence> batch, BatchDecoder decoder, Backend be) {
            this.batch = batch;
            this.decoder = decoder;
            this.be = be;
        }

        @Override
        public void accept(int i) {
            Sequence s = batch.get(i);
            ended[i] = s.advance(be, decoder.row(i), decoder.capacity() - decoder.position(s.slot));
        }
    }

    private void admit(Job j, Loaded l, List<Sequence> batch, boolean[] used) {
        if (j.cancelled.get()) { // the client left while it waited: no answer, but its place is free again
            ((Releasing) j.listener).release();
            return;
        }
        int slot = 0;
        while (used[slot]) slot++;
        used[slot] = true;
        l.decoder().reset(slot);
        batch.add(new Sequence(j, slot));
    }

    private static void done(Sequence s, boolean[] used) {
        used[s.slot] = false;
        try {
            s.job.listener.done(s.result());
        } catch (RuntimeException e) {
            LOG.warn("a listener failed", e);
        }
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        samplers.close();
    }
}
