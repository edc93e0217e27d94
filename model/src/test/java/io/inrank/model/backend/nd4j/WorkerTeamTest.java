package io.inrank.model.backend.nd4j;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkerTeamTest {
    private final WorkerTeam team = new WorkerTeam(3);

    @Test
    void everyPartRunsOnceAndOnDifferentThreads() {
        for (int round = 0; round < 2000; round++) {
            AtomicInteger mask = new AtomicInteger();
            ConcurrentHashMap<Integer, Thread> who = new ConcurrentHashMap<>();
            team.run(3, p -> {
                assertEquals(0, mask.getAndAdd(1 << p) & (1 << p), "part " + p + " ran twice");
                who.put(p, Thread.currentThread());
            });
            assertEquals(0b111, mask.get());
            assertEquals(3, new java.util.HashSet<>(who.values()).size());
            assertSame(Thread.currentThread(), who.get(0), "the caller runs part 0");
        }
    }

    @Test
    void aFailingPartIsRethrownToTheCallerAndTheTeamStillWorks() {
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> team.run(3, p -> {
                    if (p == 2) throw new IllegalStateException("part 2 failed");
                }));
        assertEquals("part 2 failed", e.getMessage());
        AtomicInteger count = new AtomicInteger();
        team.run(3, p -> count.incrementAndGet());
        assertEquals(3, count.get());
    }

    @Test
    void nestedAndConcurrentCallersRunInlineInsteadOfDeadlocking() throws Exception {
        AtomicLong sum = new AtomicLong();
        team.run(3, p -> team.run(2, q -> sum.addAndGet(10L * p + q))); // nested: inline on each part's thread
        assertEquals((0 + 1) + (10 + 11) + (20 + 21), sum.get());
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong total = new AtomicLong();
        Thread[] callers = new Thread[4];
        for (int t = 0; t < callers.length; t++) {
            callers[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 500; i++) team.forRanges(1000, 100, (from, to) -> total.addAndGet(to - from));
            });
            callers[t].start();
        }
        go.countDown();
        for (Thread t : callers) t.join(30_000);
        assertEquals(4L * 500 * 1000, total.get());
    }

    @Test
    void rangesCoverEverythingOnceAndRespectTheMinimum() {
        AtomicLong covered = new AtomicLong();
        AtomicInteger pieces = new AtomicInteger();
        team.forRanges(10, 4, (from, to) -> {
            covered.addAndGet(to - from);
            pieces.incrementAndGet();
        });
        assertEquals(10, covered.get());
        assertEquals(2, pieces.get(), "10 indices at ≥ 4 per piece: two pieces");
        team.forRanges(0, 1, (from, to) -> fail("nothing to run"));
    }
}
