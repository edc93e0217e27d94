package io.inrank.inference.api;

import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.GenerationListener;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayList;
import java.util.List;

/**
 * Engine → HTTP stream. The job is submitted before the response starts (so a full queue is a plain 429), which means
 * the engine may produce before the client subscribes: items, an error or the end are kept until then, then forwarded
 * in order. When the client goes away the job is cancelled.
 */
abstract class Relay<T> implements GenerationListener {
    private static final Object END = new Object();

    private record Failure(Throwable error) {}

    private final List<Object> early = new ArrayList<>();
    private MultiEmitter<? super T> em;

    /** The response body for a job that reports to this relay. */
    Multi<T> stream(Engine.Job job) {
        return Multi.createFrom().emitter(e -> {
            e.onTermination(job::cancel);
            attach(e);
        });
    }

    private synchronized void attach(MultiEmitter<? super T> e) {
        em = e;
        for (Object o : early) deliver(o);
        early.clear();
    }

    protected final void emit(T item) {
        offer(item);
    }

    protected final void end() {
        offer(END);
    }

    protected final void fail(Throwable error) {
        offer(new Failure(error));
    }

    private synchronized void offer(Object o) {
        if (em == null) early.add(o);
        else deliver(o);
    }

    @SuppressWarnings("unchecked")
    private void deliver(Object o) {
        if (o == END) em.complete();
        else if (o instanceof Failure f) em.fail(f.error());
        else em.emit((T) o);
    }
}
