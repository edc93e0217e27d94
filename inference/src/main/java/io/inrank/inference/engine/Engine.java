package io.inrank.inference.engine;

import io.inrank.model.backend.Backend;
import io.inrank.model.generate.BatchDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Every admitted request is answered exactly once — done or failed — and gives its place back then, whatever
 * happens: a request that cannot start (its sequence fails to build) or fails in a step gets its own error and frees
 * its decode slot; one that holds a slot past {@code requestTimeout} is failed with {@link DeadlineExceeded} (by the
 * worker between steps, or by the watchdog thread if the worker itself is stuck). {@link #problem()} names what a
 * restart would fix — a decode that has made no progress for {@code stallTimeout} with requests in flight, or a slot or
 * an in-flight place held by no request — and the service's liveness check reports it, so Kubernetes restarts a wedged
 * server instead of routing requests to it forever.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class);

    /** Thrown by {@link #submit} when the queue is full. */
    public static final class Busy extends RuntimeException {
        public Busy(String m) {
            super(m);
        }
    }

    /** The failure of a request that held its decode slot longer than the server's request timeout. */
    public static final class DeadlineExceeded extends RuntimeException {
        public DeadlineExceeded(String m) {
            super(m);
        }
    }

    /** A queued or running generation. */
    public static final class Job {
        final GenerationRequest request;
        final Releasing listener;
        final AtomicBoolean cancelled = new AtomicBoolean();
        /** When it took a decode slot (System.nanoTime), 0 while it waits. */
        volatile long admitted;

        Job(GenerationRequest request, Releasing listener) {
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
    private final long requestTimeoutNanos, stallTimeoutNanos;
    /** Jobs holding a decode slot: what the watchdog checks against the deadline (the batch is the worker's own). */
    private final Set<Job> holding = ConcurrentHashMap.newKeySet();
    /** Decode slots marked used but held by no sequence of the batch, counted by the worker at each iteration. */
    private volatile int leakedSlots;
    /** When the worker last finished an iteration (or went idle), System.nanoTime. */
    private volatile long beat = System.nanoTime();

    private final ScheduledExecutorService watchdog;
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
        this(maxConcurrent, maxBatch, Duration.ofMinutes(5), Duration.ofMinutes(1));
    }

    /**
     * @param requestTimeout longest a request may hold a decode slot before it is failed (the whole generation)
     * @param stallTimeout longest the worker may make no progress while requests are in flight before {@link #problem}
     *     says so
     */
    public Engine(int maxConcurrent, int maxBatch, Duration requestTimeout, Duration stallTimeout) {
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.maxBatch = Math.max(1, maxBatch);
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.stallTimeoutNanos = stallTimeout.toNanos();
        this.samplers =
                new RowParallel(Math.min(this.maxBatch, Runtime.getRuntime().availableProcessors()));
        worker = new Thread(this::loop, "inference-engine");
        worker.setDaemon(true);
        worker.start();
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "inference-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, Math.min(1000, requestTimeout.toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::watch, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The watchdog's round: a job past its deadline by a further quarter (the worker had its chance between steps and
     * did not take it: it is stuck in a step) is failed from here, which frees its in-flight place; its slot stays
     * marked until the worker returns, and {@link #problem} reports the stall meanwhile.
     */
    private void watch() {
        long now = System.nanoTime(), limit = requestTimeoutNanos + requestTimeoutNanos / 4;
        for (Job j : holding) {
            long t = j.admitted;
            if (t != 0 && now - t > limit) {
                j.cancel();
                j.listener.failed(new DeadlineExceeded(deadlineMessage()));
            }
        }
    }

    private String deadlineMessage() {
        return "the request held a decode slot for longer than the server's request timeout ("
                + Duration.ofNanos(requestTimeoutNanos).toSeconds() + " s)";
    }

    /**
     * What is wrong with the engine that only a restart fixes, or null: no progress for the stall timeout while
     * requests are in flight, or places and slots held by no request.
     */
    public String problem() {
        if (!worker.isAlive() && running) return "the decode thread has died";
        long quiet = System.nanoTime() - beat;
        int inFlightNow = inFlight.get();
        if (inFlightNow > 0 && quiet > stallTimeoutNanos)
            return "no decode progress for " + quiet / 1_000_000_000 + " s with " + inFlightNow + " requests in flight";
        int leaked = leakedSlots;
        if (leaked != 0) return leaked + " decode slots are marked used by no request";
        return null;
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

    /**
     * Gives the request's place back when it is answered, and answers it exactly once: the first of done and failed
     * wins (the watchdog and the worker may both try); tokens after the answer are dropped. A listener that throws
     * is logged, never allowed to take the worker's batch down with it.
     */
    final class Releasing implements GenerationListener {
        private final GenerationListener inner;
        private final AtomicBoolean released = new AtomicBoolean();

        Releasing(GenerationListener inner) {
            this.inner = inner;
        }

        /** Frees the place; true for the one caller that did. */
        boolean release() {
            if (!released.compareAndSet(false, true)) return false;
            inFlight.decrementAndGet();
            return true;
        }

        boolean answered() {
            return released.get();
        }

        @Override
        public void token(int id, String text) {
            if (!released.get()) inner.token(id, text);
        }

        @Override
        public void token(int id, String text, TokenLogprob logprob) {
            if (!released.get()) inner.token(id, text, logprob);
        }

        @Override
        public void promptToken(int position, TokenLogprob logprob) {
            if (!released.get()) inner.promptToken(position, logprob);
        }

        @Override
        public void done(Generation.Result r) {
            if (!release()) return;
            try {
                inner.done(r);
            } catch (RuntimeException e) {
                LOG.warn("a listener failed", e);
            }
        }

        @Override
        public void failed(Throwable e) {
            if (!release()) return;
            try {
                inner.failed(e);
            } catch (RuntimeException x) {
                LOG.warn("a listener failed", x);
            }
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
                beat = System.nanoTime();
                leakedSlots = count(used) - batch.size(); // the invariant: a slot is used iff a sequence holds it
                if (batch.isEmpty()) {
                    Job j = queue.take(); // idle: wait for work
                    beat = System.nanoTime();
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
                long now = System.nanoTime();
                batch.removeIf(s -> {
                    if (now - s.job.admitted > requestTimeoutNanos) {
                        free(s, used);
                        s.job.listener.failed(new DeadlineExceeded(deadlineMessage()));
                        return true;
                    }
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
            } catch (RuntimeException | Error e) { // an Error too (say, OutOfMemoryError): the worker must not die
                LOG.error("decode step failed; the batch's requests fail", e);
                for (Sequence s : batch) {
                    free(s, used);
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

    /**
     * Gives a waiting job a decode slot. Whatever fails here fails this job alone, with its own error, and leaves the
     * slot free: the job has left the queue, so nothing else would ever answer it.
     */
    private void admit(Job j, Loaded l, List<Sequence> batch, boolean[] used) {
        if (j.cancelled.get()) { // the client left while it waited: no answer, but its place is free again
            j.listener.release();
            return;
        }
        int slot = 0;
        while (used[slot]) slot++;
        try {
            l.decoder().reset(slot);
            Sequence s = new Sequence(j, slot);
            used[slot] = true;
            j.admitted = System.nanoTime();
            holding.add(j);
            batch.add(s);
        } catch (RuntimeException e) {
            LOG.error("a request could not start; it fails alone", e);
            j.listener.failed(e);
        }
    }

    private void free(Sequence s, boolean[] used) {
        used[s.slot] = false;
        holding.remove(s.job);
    }

    private void done(Sequence s, boolean[] used) {
        free(s, used);
        s.job.listener.done(s.result());
    }

    private static int count(boolean[] used) {
        int n = 0;
        for (boolean u : used) if (u) n++;
        return n;
    }

    @Override
    public void close() {
        running = false;
        watchdog.shutdownNow();
        worker.interrupt();
        samplers.close();
    }
}
