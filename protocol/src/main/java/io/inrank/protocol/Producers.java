package io.inrank.protocol;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The producer every service uses for pipeline records: idempotent with acks=all (a retry neither duplicates nor
 * reorders within the one partition), lz4, no linger (reports and decisions wait on each other, so batching only adds
 * latency). Byte arrays in, since the values are already encoded ({@link Messages}, {@link TokenBlocks}).
 */
public final class Producers {
    private Producers() {}

    public static KafkaProducer<byte[], byte[]> reliable(String bootstrap) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.COMPRESSION_TYPE_CONFIG,
                        "lz4",
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new ByteArraySerializer(),
                new ByteArraySerializer());
    }
}
