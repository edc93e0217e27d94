package io.inrank.ingest.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Client settings for one broker. {@code extra} passes any client property through (security.protocol, sasl.*, …), so
 * the same command works against a secured cluster.
 */
public record KafkaClients(String bootstrap, Map<String, String> extra, String compression) {

    public KafkaClients {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        compression = compression == null ? "lz4" : compression;
    }

    private Map<String, Object> common() {
        Map<String, Object> m = new HashMap<>();
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        m.put(CommonClientConfigs.CLIENT_ID_CONFIG, "inrank-data-ingest");
        return m;
    }

    public Admin admin() {
        Map<String, Object> m = common();
        m.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        m.putAll(extra);
        return Admin.create(m);
    }

    /** Idempotent, acks=all, compressed: retries never duplicate or reorder blocks within a partition. */
    public KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> m = common();
        m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        m.put(ProducerConfig.ACKS_CONFIG, "all");
        m.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        m.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        m.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        m.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        m.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        m.putAll(extra);
        return new KafkaProducer<>(m, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer without a group: callers assign partitions and seek themselves. */
    public KafkaConsumer<byte[], byte[]> reader() {
        Map<String, Object> m = common();
        m.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        m.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        m.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        m.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        m.putAll(extra);
        return new KafkaConsumer<>(m, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
