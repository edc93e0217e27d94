package io.inrank.ingest.kafka;

import io.inrank.protocol.TopicSetup;
import io.inrank.protocol.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Topic housekeeping for ingest: create, recreate, and look at a topic's end. */
public final class TopicAdmin {
    private TopicAdmin() {}

    public static boolean exists(Admin admin, String topic) throws Exception {
        return TopicSetup.exists(admin, topic);
    }

    /** Creates the topic unless it exists (a concurrent creator is fine). */
    public static void ensure(Admin admin, TopicSpec topic, Optional<Short> replication) throws Exception {
        TopicSetup.ensure(admin, topic, replication);
    }

    /** Deletes and creates the topic again, waiting out the broker's asynchronous deletion. */
    public static void recreate(Admin admin, TopicSpec topic, Optional<Short> replication) throws Exception {
        try {
            admin.deleteTopics(List.of(topic.name())).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                admin.createTopics(List.of(topic.newTopic(replication))).all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) throw e;
                Thread.sleep(200); // still marked for deletion
            }
        }
    }

    /** End offset of partition 0. */
    public static long endOffset(KafkaConsumer<byte[], byte[]> c, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        return c.endOffsets(List.of(tp)).get(tp);
    }

    /** The record at {@code endOffset - 1} of partition 0, or null if the topic is empty. */
    public static ConsumerRecord<byte[], byte[]> lastRecord(KafkaConsumer<byte[], byte[]> c, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        long end = c.endOffsets(List.of(tp)).get(tp);
        if (end == 0) return null;
        c.assign(List.of(tp));
        c.seek(tp, end - 1);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                if (r.offset() == end - 1) return r;
            }
        }
        throw new IllegalStateException("could not read the last record of " + topic + " (offset " + (end - 1) + ")");
    }
}
