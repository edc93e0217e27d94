package io.inrank.inference.engine;

import io.inrank.model.generate.KvDecoder;
import org.jboss.logging.Logger;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs generations one at a time on a worker thread that owns the model's KV cache. Requests wait in a bounded queue;
 * when it is full, {@link #submit} refuses at once (the HTTP layer answers 429) instead of letting latency grow without
 * bound. A submitted job can be cancelled (client gone): the loop checks before every token.
 * (Batching concurrent requests into one decode step is the next step for this class.)
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

    private record Loaded(ServedModel model, KvDecoder decoder) {}

    private final AtomicReference<Loaded> current = new AtomicReference<>();
    private final BlockingQueue<Job> queue;
    private final Thread worker;
    private volatile boolean running = true;
    private volatile int active;

    public Engine(int maxQueued) {
        queue = new ArrayBlockingQueue<>(Math.max(1, maxQueued));
        worker = new Thread(this::loop, "inference-engine");
        worker.setDaemon(true);
        worker.start();
    }

    /** Serves this model from the next request on (requests already running finish on the old one). */
    public void swap(ServedModel m) {
        current.set(new Loaded(m, new KvDecoder(m.model())));
    }

    public ServedModel model() {
        Loaded l = current.get();
        return l == null ? null : l.model();
    }

    public Job submit(GenerationRequest r, GenerationListener listener) {
        Job j = new Job(r, listener);
        if (!queue.offer(j)) throw new Busy("the server is at capacity (" + queue.size() + " requests waiting); retry later");
        return j;
    }

    public int queued() {
        return queue.size();
    }

    public int active() {
        return active;
    }

    private void loop() {
        while (running) {
            Job j;
            try {
                j = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (j.cancelled.get()) continue;
            Loaded l = current.get();
            active = 1;
            try {
                if (l == null) throw new IllegalStateException("no model loaded");
                j.listener.done(Generation.run(l.decoder(), l.model().model().backend(), j.request, j.listener, j.cancelled::get));
            } catch (RuntimeException e) {
                LOG.error("generation failed", e);
                j.listener.failed(e);
            } finally {
                active = 0;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
    }
}
