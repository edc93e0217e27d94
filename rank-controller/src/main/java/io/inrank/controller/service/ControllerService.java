package io.inrank.controller.service;

import io.inrank.controller.service.Decider.Reason;
import io.inrank.controller.service.Decider.Rejected;
import io.inrank.controller.state.RunState;
import io.inrank.protocol.Access;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The controller loop: rebuild per-run state from {@code inrank.rank-state}, then consume {@code inrank.spectra} one
 * poll batch at a time. Every report is checked (its run's signature when a run-key master is set, then the
 * {@link Decider}); the batch's new states are written and acknowledged before any of its decisions is published, and
 * only then are the offsets committed. A state write that fails commits nothing: the consumer is started again from the
 * committed offset and the batch is processed again (a report seen twice gets the stored decision). Refused records go
 * to the dead-letter topic with their reason; the loop never stops on them.
 */
@ApplicationScoped
public class ControllerService {
    private static final Logger LOG = Logger.getLogger(ControllerService.class);
    private static final String CLIENT = "inrank-rank-controller";
    static final String MASTER_KEY = "inrank.controller.run-key-master";
    static final String MASTER_FILE_KEY = "inrank.controller.run-key-master-file";
    /** The {@code run} tag of a refused report whose run the controller has no state for. */
    static final String UNKNOWN_RUN = "unknown";

    /** Bootstrap plus any client property from kafka.* config / KAFKA_* env (TLS, SASL): see protocol's README. */
    private KafkaClientConfig kafka;

    @ConfigProperty(name = "inrank.controller.group", defaultValue = Access.CONTROLLER_GROUP)
    String group = Access.CONTROLLER_GROUP;

    /** How fast a dead controller's partition moves to its replacement (the broker's minimum is 6 s). */
    @ConfigProperty(name = "inrank.controller.session-timeout-ms", defaultValue = "10000")
    int sessionTimeoutMs = 10_000;

    /** The secret every run's key is derived from (env INRANK_CONTROLLER_RUN_KEY_MASTER); never logged. */
    @ConfigProperty(name = "inrank.controller.run-key-master")
    Optional<String> runKeyMaster = Optional.empty();

    /** A file holding the master (a mounted Secret), read once at start. */
    @ConfigProperty(name = "inrank.controller.run-key-master-file")
    Optional<String> runKeyMasterFile = Optional.empty();

    /** How far past a run's last decided step a report may be. */
    @ConfigProperty(name = "inrank.controller.max-step-jump", defaultValue = "100000")
    long maxStepJump = Decider.DEFAULT_MAX_STEP_JUMP;

    /** The most bytes one run's state record may take (its window of recent decisions is cut to fit). */
    @ConfigProperty(name = "inrank.controller.history-bytes", defaultValue = "524288")
    int historyBytes = 512 * 1024;

    /** How long the state records of a batch may take to be acknowledged. */
    @ConfigProperty(name = "inrank.controller.state-write-timeout-ms", defaultValue = "30000")
    long stateWriteTimeoutMs = 30_000;

    @Inject
    MeterRegistry registry;

    private final Map<String, RunState> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<RunState.LayerState>> gauges = new ConcurrentHashMap<>();
    private byte[] master; // null: reports are not checked for their run's signature
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private Thread loop;
    private volatile boolean running;

    public ControllerService() {}

    /** A controller outside CDI (tests): the settings are the fields' defaults until changed. */
    ControllerService(KafkaClientConfig kafka, MeterRegistry registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    void start(@Observes StartupEvent ev) throws Exception {
        if (kafka == null)
            kafka = KafkaClientConfig.fromConfig(
                    key -> ConfigProvider.getConfig().getOptionalValue(key, String.class), "localhost:9092");
        if (maxStepJump < 1)
            throw new IllegalArgumentException("inrank.controller.max-step-jump must be >= 1, got " + maxStepJump);
        if (historyBytes < 4096 || historyBytes > 900 * 1024)
            throw new IllegalArgumentException("inrank.controller.history-bytes must be in 4096..921600 (Kafka refuses"
                    + " records over 1 MiB), got " + historyBytes);
        master = master(runKeyMaster, runKeyMasterFile).orElse(null);
        if (master == null) {
            LOG.warnf(
                    "runs are not isolated from each other: set %s (a file, e.g. a mounted Secret) or %s (env"
                            + " INRANK_CONTROLLER_RUN_KEY_MASTER) so that only reports signed with their run's key are"
                            + " accepted; until then any client that may write %s can report for any run",
                    MASTER_FILE_KEY, MASTER_KEY, Topics.SPECTRA);
        } else {
            LOG.infof("run isolation on: a report is accepted only when signed with its run's key");
        }
        try (Admin admin = kafka.admin(CLIENT)) {
            // what the controller reads (spectra, its state) and writes (decisions, state, dead letters)
            TopicSetup.ensure(
                    admin,
                    Stream.of(Topics.SPECTRA, Topics.RANK_DECISIONS, Topics.RANK_STATE, Topics.DEAD_LETTER)
                            .map(Topics::spec)
                            .toList());
        }
        producer = newProducer();
        deadLetters();
        latency();
        stateWriteFailures();
        rebuild();
        running = true;
        loop = new Thread(this::run, "rank-controller");
        loop.start();
        LOG.infof(
                "rank-controller: %d runs restored from %s; consuming %s",
                runs.size(), Topics.RANK_STATE, Topics.SPECTRA);
    }

    /** The producer of decisions, state and dead letters (a test may wrap it to make writes fail). */
    KafkaProducer<byte[], byte[]> newProducer() {
        return kafka.reliableProducer(CLIENT);
    }

    KafkaClientConfig kafka() {
        return kafka;
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        if (consumer != null) consumer.wakeup();
        if (loop != null) loop.join(10_000);
        if (producer != null) producer.close();
    }

    /**
     * The run-key master from its setting or its file (read once), or empty when neither is set.
     *
     * @throws IllegalArgumentException when both are set, the file cannot be read or the master is too short (the
     *     message never holds the secret)
     */
    static Optional<byte[]> master(Optional<String> value, Optional<String> file) {
        Optional<String> v = value.filter(s -> !s.isBlank()), f = file.filter(s -> !s.isBlank());
        if (v.isPresent() && f.isPresent())
            throw new IllegalArgumentException("set " + MASTER_KEY + " or " + MASTER_FILE_KEY + ", not both");
        if (v.isPresent()) {
            try {
                return Optional.of(RunKey.master(v.get()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(MASTER_KEY + ": " + e.getMessage());
            }
        }
        if (f.isEmpty()) return Optional.empty();
        String text;
        try {
            text = Files.readString(Path.of(f.get()), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(MASTER_FILE_KEY + ": cannot read " + f.get() + ": " + e);
        }
        try {
            return Optional.of(RunKey.master(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(MASTER_FILE_KEY + " " + f.get() + ": " + e.getMessage());
        }
    }

    /**
     * Reads the compacted state topic to its end and decodes the latest record of every run (older ones not yet
     * compacted away are skipped unread); a state over the byte budget (a version 1 record, a smaller budget) is cut.
     */
    private void rebuild() {
        Map<String, ConsumerRecord<byte[], byte[]>> latest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer(CLIENT, Map.of())) {
            TopicPartition tp = new TopicPartition(Topics.RANK_STATE, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) latest.remove(key); // a tombstone
                    else latest.put(key, r);
                }
            }
        }
        for (ConsumerRecord<byte[], byte[]> r : latest.values()) {
            try {
                RunState s = RunState.decode(r.value()).encoded(historyBytes).state();
                runs.put(s.run(), s);
                publishGauges(s);
            } catch (MalformedRecordException e) {
                LOG.warnf("ignoring unreadable state at offset %d: %s", r.offset(), e.getMessage());
            }
        }
    }

    /**
     * Consumes until shutdown. A failure of the consumer itself (its group not authorized, a commit that times out in a
     * long outage, a state write that failed) is logged, counted and retried after 5 s with a new consumer, which
     * resumes from the committed offset (a report seen twice gets the stored decision again): the process never sits
     * there healthy and deaf.
     */
    private void run() {
        while (running) {
            try {
                consume();
            } catch (RuntimeException e) {
                if (!running) return;
                Counter.builder("inrank.controller.consumer.restarts")
                        .register(registry)
                        .increment();
                LOG.errorf("consuming %s failed, retrying in 5 s: %s", Topics.SPECTRA, e.toString());
                for (int i = 0; i < 50 && running; i++) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void consume() {
        consumer = kafka.consumer(
                CLIENT,
                Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        group,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        500,
                        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                        sessionTimeoutMs,
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                        Math.max(1000, sessionTimeoutMs / 4)));
        DeadLetters dead = new DeadLetters(producer, "rank-controller");
        try {
            consumer.subscribe(List.of(Topics.SPECTRA));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) continue;
                process(records, dead);
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            // shutting down
        } finally {
            consumer.close();
        }
    }

    /** What one record led to, published once the batch's states are acknowledged. */
    private sealed interface Result permits Answer, Refusal {}

    private record Answer(ConsumerRecord<byte[], byte[]> record, String run, RankDecision decision) implements Result {}

    private record Refusal(ConsumerRecord<byte[], byte[]> record, String runTag, Reason reason, Exception error)
            implements Result {}

    /** A batch whose state records were not all acknowledged: nothing of it is published or committed. */
    static final class StateWriteFailed extends RuntimeException {
        StateWriteFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Decides a poll batch (each report against the state left by the batch's earlier reports), writes the newest
     * state of every run it changed and waits for the acks, then publishes decisions and dead letters in record order.
     */
    private void process(ConsumerRecords<byte[], byte[]> records, DeadLetters dead) {
        Map<String, RunState> changed = new LinkedHashMap<>();
        List<Result> results = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) results.add(handle(r, changed));

        Map<String, RunState> written = new LinkedHashMap<>();
        List<Future<RecordMetadata>> writes = new ArrayList<>();
        try {
            for (Map.Entry<String, RunState> e : changed.entrySet()) {
                RunState.Encoded enc = e.getValue().encoded(historyBytes);
                writes.add(producer.send(new ProducerRecord<>(
                        Topics.RANK_STATE, e.getKey().getBytes(StandardCharsets.UTF_8), enc.bytes())));
                written.put(e.getKey(), enc.state());
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(stateWriteTimeoutMs);
            for (Future<RecordMetadata> f : writes)
                f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            stateWriteFailures().increment();
            LOG.errorf(
                    "writing the state of runs %s to %s failed: %s; none of the batch's %d records is answered"
                            + " and its offsets are not committed (it is processed again)",
                    changed.keySet(), Topics.RANK_STATE, String.valueOf(cause), results.size());
            throw new StateWriteFailed("state write failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateWriteFailed("interrupted while writing state", e);
        }
        runs.putAll(written);
        written.values().forEach(this::publishGauges);

        List<Future<RecordMetadata>> sent = new ArrayList<>(results.size());
        for (Result res : results) {
            if (res instanceof Answer a) {
                sent.add(producer.send(new ProducerRecord<>(
                        Topics.RANK_DECISIONS,
                        a.run().getBytes(StandardCharsets.UTF_8),
                        Messages.encode(a.decision()))));
                counter("inrank.controller.decisions", a.run()).increment();
                latency()
                        .record(
                                Math.max(
                                        0,
                                        System.currentTimeMillis() - a.record().timestamp()),
                                TimeUnit.MILLISECONDS);
            } else if (res instanceof Refusal f) {
                sent.add(dead.send(f.record(), f.error()));
                deadLetters().increment();
                Counter.builder("inrank.controller.rejected")
                        .description("reports refused (dead-lettered), by run (\"unknown\" for a run without state)"
                                + " and reason")
                        .tags(Tags.of("run", f.runTag(), "reason", f.reason().tag()))
                        .register(registry)
                        .increment();
            }
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            try {
                f.get();
            } catch (ExecutionException e) {
                // not committed: the batch comes again, and its repeated reports get their stored decisions
                throw new IllegalStateException("publishing the batch's decisions failed: " + e.getCause(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing decisions", e);
            }
        }
    }

    /** Checks and decides one record against the batch's working state ({@code changed}, then the stored runs). */
    private Result handle(ConsumerRecord<byte[], byte[]> r, Map<String, RunState> changed) {
        String keyRun = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        String run = keyRun;
        try {
            if (master != null) {
                if (keyRun == null || keyRun.isBlank())
                    throw new Rejected(Reason.SIGNATURE, "the record has no key (a report's key is its run id)");
                String problem = RunKey.derive(master, keyRun).problem(r);
                if (problem != null) throw new Rejected(Reason.SIGNATURE, problem);
            }
            SpectrumReport report;
            try {
                report = Messages.decode(r.value(), SpectrumReport.class);
            } catch (MalformedRecordException e) {
                LOG.debugf("refused %s offset %d (malformed): %s", r.topic(), r.offset(), e.getMessage());
                return new Refusal(r, runTag(run, changed), Reason.MALFORMED, e);
            }
            if (master != null && !report.run().equals(keyRun)) {
                throw new Rejected(
                        Reason.RUN,
                        "the report is for run " + report.run() + " but its record key (and signature) is run "
                                + keyRun);
            }
            run = report.run();
            RunState current = changed.containsKey(run) ? changed.get(run) : runs.get(run);
            Decider.Outcome o = Decider.decide(report, current, maxStepJump);
            if (!o.repeated()) changed.put(run, o.state());
            return new Answer(r, run, o.decision());
        } catch (Rejected e) {
            LOG.debugf(
                    "refused %s offset %d (%s): %s",
                    r.topic(), r.offset(), e.reason().tag(), e.getMessage());
            return new Refusal(r, runTag(run, changed), e.reason(), e);
        } catch (RuntimeException e) {
            // a record this code cannot handle is a bug to fix, but it must not stop decisions for every other run
            LOG.errorf(e, "dead-lettered %s offset %d after an unexpected failure", r.topic(), r.offset());
            return new Refusal(r, runTag(run, changed), Reason.ERROR, e);
        }
    }

    /** A run's own tag only when the controller has state for it: forged run ids must not create metric series. */
    private String runTag(String run, Map<String, RunState> changed) {
        return run != null && (runs.containsKey(run) || changed.containsKey(run)) ? run : UNKNOWN_RUN;
    }

    /** Registered at start too, so the series exist (at 0) before the first event. */
    private Counter deadLetters() {
        return Counter.builder("inrank.controller.dead.letters").register(registry);
    }

    private Counter stateWriteFailures() {
        return Counter.builder("inrank.controller.state.write.failures")
                .description("poll batches whose state records were not acknowledged (nothing published, processed"
                        + " again)")
                .register(registry);
    }

    private Timer latency() {
        return Timer.builder("inrank.controller.decision.latency").register(registry);
    }

    private Counter counter(String name, String run) {
        return Counter.builder(name).tags(Tags.of("run", run)).register(registry);
    }

    private void publishGauges(RunState s) {
        s.layers()
                .forEach((layer, st) -> gauges.computeIfAbsent(s.run() + "/" + layer, k -> {
                            AtomicReference<RunState.LayerState> ref = new AtomicReference<>(st);
                            Tags tags = Tags.of("run", s.run(), "layer", layer);
                            registry.gauge(
                                    "inrank.controller.rank",
                                    tags,
                                    ref,
                                    x -> x.get().rank());
                            registry.gauge(
                                    "inrank.controller.explained.ratio",
                                    tags,
                                    ref,
                                    x -> x.get().lastRatio());
                            return ref;
                        })
                        .set(st));
    }

    public Collection<RunState> runs() {
        return runs.values();
    }

    public RunState run(String id) {
        return runs.get(id);
    }
}
