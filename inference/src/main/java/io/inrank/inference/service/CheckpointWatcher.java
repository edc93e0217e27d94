package io.inrank.inference.service;

import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hot reload: with {@code inrank.serve.run} set, follows {@code inrank.checkpoints} for that run. The newest event
 * (after reading the compacted backlog) and every newer one is verified — the sha256 of its state.json must equal the
 * event's, then every file's hash (in {@link ModelService#load}) — loaded in the background and swapped in atomically;
 * requests already decoding finish on the old model. A bad checkpoint is refused (log + llm_model_load_failures_total)
 * and the current model keeps serving. Unreadable events of the run go to the dead-letter topic.
 */
@ApplicationScoped
public class CheckpointWatcher {
    private static final Logger LOG = Logger.getLogger(CheckpointWatcher.class);

    @ConfigProperty(name = "inrank.serve.run")
    Optional<String> run;

    /** Bootstrap plus any client property from kafka.* config / KAFKA_* env (TLS, SASL): see protocol's README. */
    private final KafkaClientConfig kafka = KafkaClientConfig.fromConfig(
            key -> ConfigProvider.getConfig().getOptionalValue(key, String.class), "localhost:9092");

    @Inject
    ModelService service;

    @Inject
    MeterRegistry registry;

    private Counter deadLettered;

    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    void start(@Observes StartupEvent ev) {
        deadLettered = Counter.builder("inrank.inference.dead.letters")
                .description(
                        "checkpoint events of the followed run that could not be read (sent to the dead-letter topic)")
                .register(registry);
        if (run.isEmpty()) return;
        running = true;
        thread = new Thread(this::follow, "checkpoint-watcher");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("following %s for run %s on %s", Topics.CHECKPOINTS, run.get(), kafka.bootstrap());
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
            CheckpointEvent newest = null;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || !Arrays.equals(r.key(), key) || r.value() == null) continue;
                    try {
                        CheckpointEvent e = Messages.decode(r.value(), CheckpointEvent.class);
                        if (newest == null || e.step() >= newest.step()) newest = e;
                    } catch (RuntimeException e) { // MalformedRecordException, or anything else one record could cause
                        dead.send(r, e);
                        deadLettered.increment();
                        LOG.warnf(
                                "unreadable checkpoint event at offset %d dead-lettered: %s",
                                r.offset(), e.getMessage());
                    }
                }
                if (c.position(tp) < backlog || newest == null) continue; // the backlog first: load only its newest
                var current = service.engine().model();
                if (current == null
                        || newest.step() > current.step()
                        || !newest.run().equals(current.run())) apply(newest);
                newest = null;
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void apply(CheckpointEvent e) {
        try {
            URI uri = URI.create(e.uri());
            if (!"file".equals(uri.getScheme()))
                throw new IllegalArgumentException("only file:// checkpoints can be loaded, got " + e.uri());
            Path dir = Path.of(uri);
            String sha = Checkpoint.sha256(dir.resolve("state.json"));
            if (!sha.equals(e.sha256())) {
                throw new IllegalArgumentException(
                        dir.resolve("state.json") + " has sha256 " + sha + ", the event says " + e.sha256());
            }
            LOG.infof("checkpoint event: run %s step %d at %s", e.run(), e.step(), dir);
            service.load(dir);
        } catch (Exception ex) {
            service.refused(e.uri(), ex.getMessage());
        }
    }
}
