package io.inrank.model.backend.nd4j;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed team of threads for splitting one product across cores, with cheap hand-offs.
 *
 * <p>Why not an executor: a decode step of GPT-2 small makes dozens of short products; submitting to a pool and
 * waiting on a future costs a park/unpark pair each way per hand-off, a noticeable share of the smallest products
 * (model/BENCHMARKS.md). Here a worker spins (CPU pause) for {@link #SPIN_NANOS} after its last task before it parks,
 * so the products of one step, which follow each other within microseconds, find it awake ({@code
 * -Dinrank.team.spinNanos}, default 200 µs).
 *
 * <p>One caller at a time uses the helpers; a second concurrent caller (another thread decoding), or a part that splits
 * work again, runs its parts on its own thread rather than wait. The caller always runs part 0 itself.
 */
final class WorkerTeam {
    /** One per process, sized to the cores the JVM sees. */
    static final WorkerTeam SHARED = new WorkerTeam(Runtime.getRuntime().availableProcessors());

    private static final long SPIN_NANOS = Long.getLong("inrank.team.spinNanos", 200_000);

    private final Worker[] workers;
    private final ReentrantLock inUse = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile IntConsumer task;
    private volatile Throwable failure;

    WorkerTeam(int threads) {
        workers = new Worker[Math.max(0, threads - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** How many parts can run at once (the caller plus the helpers). */
    int size() {
        return workers.length + 1;
    }

    /** Runs {@code part.accept(i)} for every i in [0, parts) and returns when all are done; parts ≤ size(). */
    void run(int parts, IntConsumer part) {
        if (parts > size()) throw new IllegalArgumentException(parts + " parts for a team of " + size());
        // nested (a part that itself splits work) or busy: run here, in order
        if (parts <= 1 || inUse.isHeldByCurrentThread() || !inUse.tryLock()) {
            for (int i = 0; i < parts; i++) part.accept(i);
            return;
        }
        try {
            failure = null;
            task = part;
            pending.set(parts - 1);
            for (int i = 0; i < parts - 1; i++) workers[i].post();
            Throwable own = null;
            try {
                part.accept(0);
            } catch (Throwable t) {
                own = t;
            }
            while (pending.get() > 0) Thread.onSpinWait();
            task = null;
            Throwable t = own != null ? own : failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            inUse.unlock();
        }
    }

    /** A piece [from, to) of an index range. */
    interface Range {
        void run(long from, long to);
    }

    /**
     * Cuts [0, n) into contiguous pieces of at least minPerPart indices (at most one per thread) and runs them; for
     * elementwise or per-row loops whose results do not depend on the cut.
     */
    void forRanges(long n, long minPerPart, Range body) {
        int parts = (int) Math.max(1, Math.min(size(), n / Math.max(1, minPerPart)));
        if (parts == 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        run(parts, p -> body.run(n * p / parts, n * (p + 1) / parts));
    }

    private final class Worker extends Thread {
        private final int index;
        private volatile int posted;
        private int seen;

        Worker(int index) {
            super("inrank-team-" + index);
            this.index = index;
            setDaemon(true);
        }

        void post() {
            posted++; // only the lock holder writes it
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            while (true) {
                long idleSince = System.nanoTime();
                while (posted == seen) {
                    if (System.nanoTime() - idleSince < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                seen = posted;
                try {
                    task.accept(index);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
