package io.inrank.trainer.rank;

import io.inrank.protocol.DeadLetters;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Reads {@code inrank.rank-decisions} for one run. The reader is positioned at the topic's end when the run starts, so
 * only answers to this process's reports count (a restarted run re-sends its reports and the idempotent controller
 * answers them again). A record of this run that cannot be read goes to the dead-letter topic; other runs' records
 * are someone else's business and are skipped.
 */
public final class RankChannel implements AutoCloseable {
    private final String run;
    private final byte[] key;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final DeadLetters dead;
    private static final Logger LOG = Logger.getLogger(RankChannel.class);
    private volatile int deadLettered;
    private long lateStep = -1;

    public RankChannel(KafkaClientConfig kafka, String run, KafkaProducer<byte[], byte[]> producer) {
        this.run = run;
        this.key = run.getBytes(StandardCharsets.UTF_8);
        this.dead = new DeadLetters(producer, "trainer");
        consumer = kafka.consumer("inrank-trainer", Map.of());
        TopicPartition tp = new TopicPartition(Topics.RANK_DECISIONS, 0);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp); // resolve the end now, before any report is sent
    }

    /** The decision for (run, step), or empty when none arrives within {@code timeout}. */
    public Optional<RankDecision> await(long step, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return Optional.empty();
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(
                    Duration.ofNanos(Math.min(left, Duration.ofMillis(200).toNanos())))) {
                if (r.key() == null || !Arrays.equals(r.key(), key)) continue;
                try {
                    RankDecision d = Messages.decode(r.value(), RankDecision.class);
                    if (!d.run().equals(run)) throw new MalformedRecordException("key " + run + " but run " + d.run());
                    if (d.step() == step) return Optional.of(d);
                    // an answer to an earlier step that came after its timeout: too late to apply deterministically
                    if (d.step() < step) lateStep = Math.max(lateStep, d.step());
                } catch (RuntimeException e) { // MalformedRecordException, or anything else one record could cause
                    dead.send(r, e);
                    deadLettered++;
                    LOG.warnf(
                            "step %d: unreadable rank decision at offset %d dead-lettered: %s",
                            step, r.offset(), e.getMessage());
                }
            }
        }
    }

    /**
     * The newest step whose decision arrived after its check had given up, or -1: the controller answers, but too slowly
     * for {@code decision-timeout-ms}.
     */
    public long lateStep() {
        return lateStep;
    }

    public int deadLettered() {
        return deadLettered;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
