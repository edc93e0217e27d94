package io.inrank.inference.service;

import io.inrank.inference.engine.Engine;
import io.inrank.inference.engine.ServedModel;
import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.Backends;
import io.inrank.model.io.Checkpoint;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Owns the engine and the model it serves. The checkpoint loads on a background thread at startup; readiness is DOWN
 * until it is loaded (and says why while it is not), so Kubernetes sends no traffic to a server without a model.
 */
@ApplicationScoped
public class ModelService {
    private static final Logger LOG = Logger.getLogger(ModelService.class);

    @ConfigProperty(name = "inrank.serve.checkpoint")
    Optional<String> checkpoint;

    @ConfigProperty(name = "inrank.serve.run")
    Optional<String> run;

    /** Requests in flight (waiting + decoding) before 429, like TGI's max_concurrent_requests (default 128). */
    @ConfigProperty(name = "inrank.serve.max-concurrent-requests", defaultValue = "128")
    int maxConcurrent;

    @ConfigProperty(name = "inrank.serve.max-batch", defaultValue = "8")
    int maxBatch;

    /** Longest a request may decode (hold a batch slot) before it is failed with 503; TGI has no such limit. */
    @ConfigProperty(name = "inrank.serve.request-timeout", defaultValue = "5m")
    Duration requestTimeout;

    /** No decode progress for this long while requests are in flight: liveness DOWN, so the pod is restarted. */
    @ConfigProperty(name = "inrank.serve.stall-timeout", defaultValue = "60s")
    Duration stallTimeout;

    /** Longest a checkpoint may take to read and verify before it is refused. */
    @ConfigProperty(name = "inrank.serve.load-timeout", defaultValue = "10m")
    Duration loadTimeout;

    @ConfigProperty(name = "inrank.serve.model-name")
    Optional<String> modelName;

    /** nd4j | reference | cuda; unset: INRANK_BACKEND, else nd4j. */
    @ConfigProperty(name = "inrank.serve.backend")
    Optional<String> backendName;

    /** fp32 | tf32 | bf16 (tf32 and bf16: cuda only); unset: INRANK_PRECISION, else fp32. */
    @ConfigProperty(name = "inrank.serve.precision")
    Optional<String> precision;

    private Backend backend;

    @Inject
    ServeMetrics metrics;

    private Engine engine;
    private volatile String loadProblem = "loading";

    void start(@Observes StartupEvent ev) {
        // parsed once here; one that cannot run here stops the start with its reason
        BackendOptions options = BackendOptions.parse(backendName.orElse(null), precision.orElse(null));
        backend = Backends.open(options);
        LOG.infof("backend %s", options);
        engine = new Engine(maxConcurrent, maxBatch, requestTimeout, stallTimeout);
        metrics.bind(this);
        if (checkpoint.isEmpty()) {
            loadProblem = run.isPresent()
                    ? "waiting for a checkpoint event of run " + run.get() + " on "
                            + io.inrank.protocol.Topics.CHECKPOINTS
                    : "no checkpoint configured (inrank.serve.checkpoint or inrank.serve.run)";
            LOG.warn(loadProblem);
            return;
        }
        Thread t = new Thread(() -> load(Path.of(checkpoint.get())), "model-loader");
        t.setDaemon(true);
        t.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        if (engine != null) engine.close();
    }

    /** What an event says a checkpoint is: the loaded checkpoint's own state must agree before it is served. */
    public record Expected(String run, long step) {}

    /** Loads and verifies a checkpoint, then swaps it in; a bad one is refused and the current model keeps serving. */
    public boolean load(Path dir) {
        return load(dir, null);
    }

    /**
     * As {@link #load(Path)}, refusing a checkpoint whose own run or step is not {@code expected} (null: any), and one
     * that takes longer than {@code inrank.serve.load-timeout} to read (a file on a hung network volume must not hold
     * the watcher forever; the reader thread is abandoned).
     */
    public synchronized boolean load(Path dir, Expected expected) {
        try {
            long t0 = System.nanoTime();
            Path resolved = Checkpoint.resolve(dir).toAbsolutePath().normalize();
            ServedModel now = engine.model();
            if (now != null && now.dir().equals(resolved)) return true; // e.g. the startup checkpoint announced again
            ServedModel m = loadWithin(resolved);
            if (expected != null && (!expected.run().equals(m.run()) || expected.step() != m.step()))
                throw new IOException(resolved + " holds run " + m.run() + " step " + m.step() + ", the event says run "
                        + expected.run() + " step " + expected.step());
            engine.swap(m);
            loadProblem = null;
            metrics.loaded(m);
            LOG.infof(
                    "serving %s (step %d, stage %d, %,d parameters vs %,d dense, ranks %s) from %s, loaded in %d ms",
                    m.run(),
                    m.step(),
                    m.stage(),
                    m.parameters(),
                    m.denseParameters(),
                    m.ranks().values(),
                    m.dir(),
                    (System.nanoTime() - t0) / 1_000_000);
            return true;
        } catch (Exception e) {
            metrics.loadFailed();
            if (engine.model() == null) loadProblem = REFUSED;
            LOG.errorf(
                    "checkpoint %s refused%s: %s",
                    dir, engine.model() == null ? "" : " (the current model keeps serving)", e.getMessage());
            return false;
        }
    }

    /**
     * What readiness and 503s say about a refused checkpoint: never the reason itself, which can tell an unauthenticated
     * caller whether a file exists, its hash and its first bytes. The reason is in the log.
     */
    static final String REFUSED = "checkpoint refused (see the server's log)";

    private ServedModel loadWithin(Path dir) throws Exception {
        FutureTask<ServedModel> task = new FutureTask<>(() -> ServedModel.load(backend, dir));
        Thread t = new Thread(task, "checkpoint-reader");
        t.setDaemon(true);
        t.start();
        try {
            return task.get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new IOException(
                    "reading " + dir + " took longer than inrank.serve.load-timeout (" + loadTimeout + ")");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** A checkpoint refused before loading (e.g. its hash does not match its event). */
    void refused(String what, String why) {
        metrics.loadFailed();
        if (engine.model() == null) loadProblem = REFUSED;
        LOG.errorf(
                "checkpoint %s refused%s: %s",
                what, engine.model() == null ? "" : " (the current model keeps serving)", why);
    }

    public String loadProblem() {
        return loadProblem;
    }

    public Engine engine() {
        return engine;
    }

    /** The model being served, or a 503-worthy explanation. */
    public ServedModel model() {
        ServedModel m = engine.model();
        if (m == null)
            throw new io.inrank.inference.api.ApiError(503, "not_ready", "no model loaded yet: " + loadProblem);
        return m;
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    public String name(ServedModel m) {
        return modelName.orElse(m.run());
    }

    /**
     * Liveness: DOWN when the engine is wedged in a way only a restart fixes ({@link Engine#problem}); Kubernetes then
     * restarts the pod. A server still loading, or without a model, is alive (readiness covers that).
     */
    @Liveness
    @ApplicationScoped
    public static class Alive implements HealthCheck {
        @Inject
        ModelService service;

        @Override
        public HealthCheckResponse call() {
            String problem = service.engine() == null ? null : service.engine().problem();
            return problem == null
                    ? HealthCheckResponse.up("engine")
                    : HealthCheckResponse.named("engine")
                            .down()
                            .withData("reason", problem)
                            .build();
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {
        @Inject
        ModelService service;

        @Override
        public HealthCheckResponse call() {
            // methods, not fields: the injected bean is a client proxy
            ServedModel m = service.engine() == null ? null : service.engine().model();
            return m == null
                    ? HealthCheckResponse.named("model")
                            .down()
                            .withData("reason", String.valueOf(service.loadProblem()))
                            .build()
                    : HealthCheckResponse.named("model")
                            .up()
                            .withData("run", m.run())
                            .withData("step", m.step())
                            .build();
        }
    }
}
