package io.inrank.trainer.kafka;

import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RunKey;
import io.inrank.protocol.SpectrumReport;
import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.TopicSpec;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * The trainer's producer side: spectra and checkpoint events, keyed by run id, idempotent, acks=all, lz4. With a run key
 * every record is signed ({@link RunKey#HEADER}): a controller holding the run-key master takes only signed reports.
 */
public final class TrainerKafka implements AutoCloseable {
    /** What the trainer writes (spectra, checkpoint events, dead letters) and reads (decisions); replicas both. */
    static final List<TopicSpec> TOPICS = Stream.of(
                    Topics.SPECTRA, Topics.RANK_DECISIONS, Topics.CHECKPOINTS, Topics.DEAD_LETTER, Topics.RENDEZVOUS)
            .map(Topics::spec)
            .toList();

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaProducer<byte[], byte[]> reports;
    private final RunKey runKey; // null: unsigned

    /**
     * @param reportTimeout how long a rank check may take in all ({@code decision-timeout-ms}): the report producer
     *     gives a record up after it (delivery, request and block timeouts), so a report that missed its check is
     *     dropped by Kafka too and never reaches the controller steps later
     * @param announceTimeout how long a checkpoint event may wait ({@code announce-timeout-ms}), including the wait
     *     for topic metadata inside {@code send} when the broker is gone
     * @param runKey signs every report and checkpoint event; null sends them unsigned
     */
    public TrainerKafka(KafkaClientConfig kafka, Duration reportTimeout, Duration announceTimeout, RunKey runKey) {
        this.runKey = runKey;
        try (Admin admin = kafka.admin("inrank-trainer")) {
            TopicSetup.ensure(admin, TOPICS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up topics on " + kafka.bootstrap() + ": " + e.getMessage(), e);
        }
        producer = kafka.reliableProducer("inrank-trainer", Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int)
                Math.max(1000, Math.min(600_000, announceTimeout.toMillis()))));
        int ms = (int) Math.max(1000, Math.min(120_000, reportTimeout.toMillis()));
        reports = kafka.reliableProducer(
                "inrank-trainer-reports",
                Map.of(
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, ms,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, ms,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, ms));
    }

    /** For the dead-letter helper of the decision reader. */
    public KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    /**
     * Sends a report and waits for the broker's ack until {@code deadlineNanos} ({@link System#nanoTime()}), so a
     * report is durable before the trainer starts waiting on its answer.
     *
     * @return the failure, or empty when the broker has it
     */
    public Optional<String> send(SpectrumReport r, long deadlineNanos) {
        return sendBefore(reports, Topics.SPECTRA, r.run(), Messages.encode(r), deadlineNanos);
    }

    /**
     * Announces a checkpoint, waiting up to {@code timeout} for the broker's ack.
     *
     * @return the failure, or empty when the broker has it (a failed event may still be delivered later by the
     *     producer's retries: consumers take the newest step, so a late one changes nothing)
     */
    public Optional<String> send(CheckpointEvent e, Duration timeout) {
        return sendBefore(
                producer, Topics.CHECKPOINTS, e.run(), Messages.encode(e), System.nanoTime() + timeout.toNanos());
    }

    /** One record, signed when there is a run key, acked by {@code deadlineNanos} or the reason it was not. */
    private Optional<String> sendBefore(
            KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value, long deadlineNanos) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
        if (runKey != null) {
            if (!runKey.run().equals(key))
                throw new IllegalStateException("a record of run " + key + " cannot be signed with " + runKey);
            runKey.signed(r);
        }
        try {
            p.send(r).get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            return Optional.of("no ack from the broker in time");
        } catch (ExecutionException e) {
            return Optional.of(String.valueOf(e.getCause().getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (KafkaException e) { // send() itself: metadata or buffer space not available within max.block.ms
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public void close() {
        reports.close(Duration.ZERO); // what is still unsent missed its check: drop it
        // bounded: with the broker gone, an unbounded close waits out the delivery timeout; what is unsent was counted
        producer.close(Duration.ofSeconds(10));
    }
}
