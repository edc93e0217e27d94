package io.inrank.inference.engine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The engine's own threads for per-sequence work after a decode step (sampling, detokenising, listeners): rows are
 * dealt round-robin to the calling thread and {@code threads − 1} helpers. The backend's compute threads are the
 * backend's business. A plain pool is enough here: its hand-off is small next to sampling one row
 * (inference/BENCHMARKS.md).
 */
final class RowParallel implements AutoCloseable {
    private final int threads;
    private final ExecutorService helpers;

    RowParallel(int threads) {
        this.threads = Math.max(1, threads);
        this.helpers = this.threads > 1
                ? Executors.newFixedThreadPool(this.threads - 1, r -> {
                    Thread t = new Thread(r, "inference-sampler");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    /** Runs body(i) for every i in [0, n) and returns when all are done; bodies must be independent. */
    void forEach(int n, IntConsumer body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            for (int i = 0; i < n; i++) body.accept(i);
            return;
        }
        CountDownLatch done = new CountDownLatch(parts - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int p = 1; p < parts; p++) {
            int first = p;
            helpers.execute(() -> {
                try {
                    for (int i = first; i < n; i += parts) body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            for (int i = 0; i < n; i += parts) body.accept(i);
        } finally {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    @Override
    public void close() {
        if (helpers != null) helpers.shutdownNow();
    }
}
