package io.inrank.trainer.service;

import io.inrank.trainer.run.RunStatus;
import io.inrank.trainer.run.TrainingRun;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The run this process trains, for GET /run and for a graceful stop on SIGTERM. */
@ApplicationScoped
public class CurrentRun {
    private volatile TrainingRun run;
    private final CountDownLatch done = new CountDownLatch(1);

    void set(TrainingRun r) {
        run = r;
    }

    void finished() {
        done.countDown();
    }

    public RunStatus status() {
        TrainingRun r = run;
        return r == null ? null : r.status();
    }

    /** SIGTERM: ask the loop to checkpoint after the current step and wait (bounded) for it. */
    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        TrainingRun r = run;
        if (r == null) return;
        r.requestStop();
        done.await(120, TimeUnit.SECONDS);
    }
}
