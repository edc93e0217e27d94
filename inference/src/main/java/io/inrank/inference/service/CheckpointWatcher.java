package io.inrank.inference.service;

import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hot reload: with {@code inrank.serve.run} set, follows {@code inrank.checkpoints} for that run. An event is believed
 * only as far as {@link CheckpointGate} can check it (the run's own record, signed when a run key is configured; a step
 * forward within bounds; a directory of the run under the checkpoint root; regular files; the state's sha256), then
 * loaded in the background ({@link ModelService#load}: every file's hash, and the checkpoint's own run and step must be
 * the event's) and swapped in atomically; requests already decoding finish on the old model. A refused event is logged
 * with its reason and counted ({@code inrank_inference_checkpoints_refused_total{reason}}); a record that is not the
 * run's own (unreadable, another run's body, a bad signature) also goes to the dead-letter topic. The current model
 * keeps serving either way.
 *
 * <p>At start the compacted backlog is read first and its events tried newest first; when none of them can be loaded
 * (a forged newest event that compaction kept, or none at all), the newest checkpoint of the run on disk that loads is
 * served instead — with a run key, only one that a signed event of the backlog announced.
 */
@ApplicationScoped
public class CheckpointWatcher {
    private static final Logger LOG = Logger.getLogger(CheckpointWatcher.class);

    @ConfigProperty(name = "inrank.serve.run")
    Optional<String> run;

    /** Where the runs' checkpoint directories are: only {@code <root>/<run>/step-*} is ever loaded from an event. */
    @ConfigProperty(name = "inrank.serve.checkpoint-root", defaultValue = "checkpoints")
    Path checkpointRoot;

    /** The watched run's key (64 hex characters, {@code ./inrank run-key}); set: only events it signed are believed. */
    @ConfigProperty(name = "inrank.serve.run-key")
    Optional<String> runKey;

    @ConfigProperty(name = "inrank.serve.run-key-file")
    Optional<Path> runKeyFile;

    /** The furthest an event may move the served step forward in one go. */
    @ConfigProperty(name = "inrank.serve.max-step-jump", defaultValue = "1000000")
    long maxStepJump;

    /** Largest checkpoint file opened (model or optimizer), in bytes; 64 GiB by default. */
    @ConfigProperty(name = "inrank.serve.max-checkpoint-bytes", defaultValue = "68719476736")
    long maxCheckpointBytes;

    /** Bootstrap plus any client property from kafka.* config / KAFKA_* env (TLS, SASL): see protocol's README. */
    private final KafkaClientConfig kafka = KafkaClientConfig.fromConfig(
            key -> ConfigProvider.getConfig().getOptionalValue(key, String.class), "localhost:9092");

    @Inject
    ModelService service;

    @Inject
    MeterRegistry registry;

    private Counter deadLettered;
    private CheckpointGate gate;

    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    /** An event with the record it came in (its signature is in the record's headers). */
    private record Announced(ConsumerRecord<byte[], byte[]> record, CheckpointEvent event) {}

    void start(@Observes StartupEvent ev) {
        deadLettered = Counter.builder("inrank.inference.dead.letters")
                .description(
                        "checkpoint events of the followed run that could not be read (sent to the dead-letter topic)")
                .register(registry);
        if (run.isEmpty()) return;
        gate = new CheckpointGate(
                checkpointRoot.toAbsolutePath().normalize(), run.get(), key(), maxStepJump, maxCheckpointBytes);
        if (!gate.signed())
            LOG.warnf(
                    "no run key (inrank.serve.run-key): any holder of the trainer login can announce a checkpoint of"
                            + " run %s; only directories under %s are loaded",
                    run.get(), checkpointRoot.toAbsolutePath().normalize());
        running = true;
        thread = new Thread(this::follow, "checkpoint-watcher");
        thread.setDaemon(true);
        thread.start();
        LOG.infof(
                "following %s for run %s on %s (checkpoints under %s)",
                Topics.CHECKPOINTS,
                run.get(),
                kafka.bootstrap(),
                checkpointRoot.toAbsolutePath().normalize());
    }

    /** The run key, parsed once; a bad one stops the start (serving unverified events instead would be worse). */
    private Optional<RunKey> key() {
        if (runKey.isPresent() && runKeyFile.isPresent())
            throw new IllegalStateException("set inrank.serve.run-key or inrank.serve.run-key-file, not both");
        Optional<String> hex = runKey;
        if (runKeyFile.isPresent()) {
            try {
                hex = Optional.of(Files.readString(runKeyFile.get(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the run key file " + runKeyFile.get() + ": " + e, e);
            }
        }
        return hex.map(h -> RunKey.parse(run.get(), h));
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        if (consumer != null) consumer.wakeup();
        if (thread != null) thread.join(5000);
    }

    /** Follows until shutdown; a failure (say, a broker that refuses this client) is logged and retried, never final. */
    private void follow() {
        while (running) {
            try {
                followOnce();
            } catch (RuntimeException e) {
                LOG.errorf(e, "checkpoint watcher failed; retrying in 5 s: %s", e.getMessage());
                try {
                    Thread.sleep(5000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void followOnce() {
        byte[] key = run.get().getBytes(StandardCharsets.UTF_8);
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("inrank-inference", Map.of());
                KafkaProducer<byte[], byte[]> p = kafka.reliableProducer("inrank-inference")) {
            consumer = c;
            DeadLetters dead = new DeadLetters(p, "inference");
            TopicPartition tp = new TopicPartition(Topics.CHECKPOINTS, 0);
            while (running
                    && c.partitionsFor(Topics.CHECKPOINTS, Duration.ofSeconds(10))
                            .isEmpty()) Thread.sleep(1000);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long backlog = c.endOffsets(List.of(tp)).get(tp);
            List<Announced> pending = new ArrayList<>();
            boolean caughtUp = false;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || !Arrays.equals(r.key(), key) || r.value() == null) continue;
                    try {
                        CheckpointEvent e = Messages.decode(r.value(), CheckpointEvent.class);
                        gate.checkRecord(r, e);
                        pending.add(new Announced(r, e));
                    } catch (CheckpointGate.Refused e) {
                        refuse(r, e, dead);
                    } catch (RuntimeException e) { // MalformedRecordException, or anything else one record could cause
                        dead.send(r, e);
                        deadLettered.increment();
                        refusedCounter("malformed").increment();
                        LOG.warnf(
                                "unreadable checkpoint event at offset %d dead-lettered: %s",
                                r.offset(), e.getMessage());
                    }
                }
                if (c.position(tp) < backlog) continue; // the backlog first: then only its newest loadable event
                if (!caughtUp) {
                    caughtUp = true;
                    if (!applyNewest(pending) && service.engine().model() == null) fallBackToDisk(pending);
                } else if (!pending.isEmpty()) applyNewest(pending);
                pending.clear();
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Tries the events newest first until one loads; true when one did. */
    private boolean applyNewest(List<Announced> events) {
        List<Announced> byStep = new ArrayList<>(events);
        byStep.sort(Comparator.comparingLong((Announced a) -> a.event().step()).reversed());
        for (Announced a : byStep) {
            if (apply(a)) return true;
        }
        return false;
    }

    private boolean apply(Announced a) {
        CheckpointEvent e = a.event();
        var current = service.engine().model();
        long served = current != null && current.run().equals(run.get()) ? current.step() : -1;
        Path dir;
        try {
            dir = gate.admit(e, served);
        } catch (CheckpointGate.Refused r) {
            if (r.reason.equals("step") && served >= 0 && e.step() <= served) {
                LOG.debugf("checkpoint event of step %d: already serving step %d", e.step(), served);
                return false;
            }
            refuse(a.record(), r, null);
            return false;
        }
        LOG.infof("checkpoint event: run %s step %d at %s", e.run(), e.step(), dir);
        boolean ok = service.load(dir, new ModelService.Expected(run.get(), e.step()));
        if (!ok) refusedCounter("load").increment();
        return ok;
    }

    /** No event of the backlog could be loaded: the newest checkpoint of the run on disk that loads, if any. */
    private void fallBackToDisk(List<Announced> backlog) {
        Set<String> announced = new HashSet<>();
        for (Announced a : backlog) announced.add(a.event().sha256());
        for (Path dir : gate.onDisk()) {
            if (gate.signed()) {
                try {
                    if (!announced.contains(Checkpoint.sha256(dir.resolve("state.json")))) {
                        LOG.infof("not falling back to %s: no signed event announced it", dir);
                        continue;
                    }
                } catch (IOException e) {
                    continue;
                }
            }
            LOG.infof("no loadable checkpoint event of run %s: falling back to %s on disk", run.get(), dir);
            if (service.load(dir, new ModelService.Expected(run.get(), CheckpointGate.stepOf(dir)))) return;
        }
        LOG.warnf("run %s has no loadable checkpoint yet; waiting for the next event", run.get());
    }

    private void refuse(ConsumerRecord<byte[], byte[]> r, CheckpointGate.Refused e, DeadLetters dead) {
        service.refused("of the event at offset " + r.offset(), e.getMessage());
        refusedCounter(e.reason).increment();
        if (e.badRecord && dead != null) {
            dead.send(r, e);
            deadLettered.increment();
        }
    }

    private Counter refusedCounter(String reason) {
        return Counter.builder("inrank.inference.checkpoints.refused")
                .description("checkpoint events not loaded, by reason")
                .tags("reason", reason)
                .register(registry);
    }
}
