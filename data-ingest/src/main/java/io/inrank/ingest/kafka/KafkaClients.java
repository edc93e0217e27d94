package io.inrank.ingest.kafka;

import io.inrank.protocol.KafkaClientConfig;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The ingest's clients for one broker: its own defaults (big batches, long delivery timeout) over the shared
 * {@link KafkaClientConfig}, so {@code extra} (security.protocol, sasl.*, … from config, env or
 * {@code --kafka-property}) reaches every client.
 */
public record KafkaClients(String bootstrap, Map<String, String> extra, String compression) {
    private static final String CLIENT = "inrank-data-ingest";

    public KafkaClients {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        compression = compression == null ? "lz4" : compression;
    }

    public KafkaClients(KafkaClientConfig config, String compression) {
        this(config.bootstrap(), config.properties(), compression);
    }

    private KafkaClientConfig config() {
        return new KafkaClientConfig(bootstrap, extra);
    }

    public Admin admin() {
        return Admin.create(
                config().adminConfig(CLIENT, Map.of(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)));
    }

    /** Idempotent, acks=all, compressed: retries never duplicate or reorder blocks within a partition. */
    public KafkaProducer<byte[], byte[]> producer() {
        return config().producer(
                        CLIENT,
                        Map.of(
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true,
                                ProducerConfig.ACKS_CONFIG,
                                "all",
                                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                                5,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                compression,
                                ProducerConfig.LINGER_MS_CONFIG,
                                20,
                                ProducerConfig.BATCH_SIZE_CONFIG,
                                1 << 20,
                                ProducerConfig.BUFFER_MEMORY_CONFIG,
                                64L << 20,
                                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                                300_000));
    }

    /** A consumer without a group: callers assign partitions and seek themselves. */
    public KafkaConsumer<byte[], byte[]> reader() {
        return config().consumer(
                        CLIENT,
                        Map.of(
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                5000));
    }
}
