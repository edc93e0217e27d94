package io.inrank.trainer.kafka;

import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.Messages;
import io.inrank.protocol.Producers;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.TopicSpec;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The trainer's producer side: spectra and checkpoint events, keyed by run id, idempotent, acks=all, lz4. */
public final class TrainerKafka implements AutoCloseable {
    /** What the trainer writes (spectra, checkpoint events, dead letters) and reads (decisions). */
    static final List<TopicSpec> TOPICS = Stream.of(
                    Topics.SPECTRA, Topics.RANK_DECISIONS, Topics.CHECKPOINTS, Topics.DEAD_LETTER)
            .map(Topics::spec)
            .toList();

    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;

    public TrainerKafka(String bootstrap) {
        this.bootstrap = bootstrap;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            TopicSetup.ensure(admin, TOPICS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up topics on " + bootstrap + ": " + e.getMessage(), e);
        }
        producer = Producers.reliable(bootstrap);
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** For the dead-letter helper of the decision reader. */
    public KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    /** Sends and waits for the broker's ack, so a report is durable before the trainer starts waiting on it. */
    public void send(SpectrumReport r) {
        sendSync(Topics.SPECTRA, r.run(), Messages.encode(r));
    }

    public void send(CheckpointEvent e) {
        sendSync(Topics.CHECKPOINTS, e.run(), Messages.encode(e));
    }

    private void sendSync(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "publishing to " + topic + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException("publishing to " + topic + " failed: " + e, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
