package io.inrank.controller.service;

import io.inrank.controller.state.RunState;
import io.inrank.protocol.Access;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The controller loop: rebuild per-run state from {@code inrank.rank-state}, then consume {@code inrank.spectra} and
 * for every report write the new state and publish the decision (state first, so a crash between the two re-sends the
 * same decision on the repeated report). Bad records go to the dead-letter topic; the loop never stops on them.
 */
@ApplicationScoped
public class ControllerService {
    private static final Logger LOG = Logger.getLogger(ControllerService.class);
    private static final String CLIENT = "inrank-rank-controller";

    /** Bootstrap plus any client property from kafka.* config / KAFKA_* env (TLS, SASL): see protocol's README. */
    private final KafkaClientConfig kafka = KafkaClientConfig.fromConfig(
            key -> ConfigProvider.getConfig().getOptionalValue(key, String.class), "localhost:9092");

    @ConfigProperty(name = "inrank.controller.group", defaultValue = Access.CONTROLLER_GROUP)
    String group;

    /** How fast a dead controller's partition moves to its replacement (the broker's minimum is 6 s). */
    @ConfigProperty(name = "inrank.controller.session-timeout-ms", defaultValue = "10000")
    int sessionTimeoutMs;

    @Inject
    MeterRegistry registry;

    private final Map<String, RunState> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<RunState.LayerState>> gauges = new ConcurrentHashMap<>();
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private Thread loop;
    private volatile boolean running;

    void start(@Observes StartupEvent ev) throws Exception {
        try (Admin admin = kafka.admin(CLIENT)) {
            // what the controller reads (spectra, its state) and writes (decisions, state, dead letters)
            TopicSetup.ensure(
                    admin,
                    Stream.of(Topics.SPECTRA, Topics.RANK_DECISIONS, Topics.RANK_STATE, Topics.DEAD_LETTER)
                            .map(Topics::spec)
                            .toList());
        }
        producer = kafka.reliableProducer(CLIENT);
        deadLetters();
        latency();
        rebuild();
        running = true;
        loop = new Thread(this::run, "rank-controller");
        loop.start();
        LOG.infof(
                "rank-controller: %d runs restored from %s; consuming %s",
                runs.size(), Topics.RANK_STATE, Topics.SPECTRA);
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        if (consumer != null) consumer.wakeup();
        if (loop != null) loop.join(10_000);
        if (producer != null) producer.close();
    }

    /** Reads the compacted state topic to its end: the latest state of every run. */
    private void rebuild() {
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer(CLIENT, Map.of())) {
            TopicPartition tp = new TopicPartition(Topics.RANK_STATE, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) continue;
                    try {
                        RunState s = Messages.decode(r.value(), RunState.class);
                        runs.put(s.run(), s);
                        publishGauges(s);
                    } catch (MalformedRecordException e) {
                        LOG.warnf("ignoring unreadable state at offset %d: %s", r.offset(), e.getMessage());
                    }
                }
            }
        }
    }

    /**
     * Consumes until shutdown. A failure of the consumer itself (its group not authorized, a commit that times out in a
     * long outage) is logged, counted and retried after 5 s with a new consumer, which resumes from the committed offset
     * (a report seen twice gets the stored decision again): the process never sits there healthy and deaf.
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
                var records = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : records) handle(r, dead);
                if (!records.isEmpty()) {
                    producer.flush();
                    consumer.commitSync();
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } finally {
            consumer.close();
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r, DeadLetters dead) {
        try {
            SpectrumReport report = Messages.decode(r.value(), SpectrumReport.class);
            Decider.Outcome o = Decider.decide(report, runs.get(report.run()));
            byte[] key = report.run().getBytes(StandardCharsets.UTF_8);
            if (!o.repeated()) {
                producer.send(new ProducerRecord<>(Topics.RANK_STATE, key, Messages.encode(o.state())));
                runs.put(report.run(), o.state());
                publishGauges(o.state());
            }
            producer.send(new ProducerRecord<>(Topics.RANK_DECISIONS, key, Messages.encode(o.decision())));
            counter("inrank.controller.decisions", report.run()).increment();
            latency().record(Math.max(0, System.currentTimeMillis() - r.timestamp()), TimeUnit.MILLISECONDS);
        } catch (MalformedRecordException | Decider.Rejected e) {
            dead.send(r, e);
            deadLetters().increment();
            LOG.debugf("dead-lettered %s offset %d: %s", r.topic(), r.offset(), e.getMessage());
        } catch (RuntimeException e) {
            // a record this code cannot handle is a bug to fix, but it must not stop decisions for every other run
            dead.send(r, e);
            deadLetters().increment();
            LOG.errorf(e, "dead-lettered %s offset %d after an unexpected failure", r.topic(), r.offset());
        }
    }

    /** Registered at start too, so the series exist (at 0) before the first event. */
    private Counter deadLetters() {
        return Counter.builder("inrank.controller.dead.letters").register(registry);
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
