package io.inrank.protocol;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Republishes a record a consumer could not process to {@link Topics#DEAD_LETTER}: the original key, value and headers,
 * plus headers that say why and where it came from. Nothing is dropped silently: a value over {@link #MAX_VALUE_BYTES}
 * (a flood of huge records) keeps its first bytes and says so ({@link #VALUE_BYTES}, {@link #TRUNCATED}) — the source
 * topic, partition and offset still point at the whole record — and a dead letter the broker does not take is logged
 * as an error. Each service counts what it dead-letters in its own metrics.
 */
public final class DeadLetters {
    public static final String REASON = "dlq.reason";
    public static final String ERROR_CLASS = "dlq.error.class";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";
    public static final String CONSUMER = "dlq.consumer";
    public static final String TIME = "dlq.time";
    /** The original value's size in bytes. */
    public static final String VALUE_BYTES = "dlq.value.bytes";
    /** Present ("true") when only the first {@link #MAX_VALUE_BYTES} of the value were kept. */
    public static final String TRUNCATED = "dlq.value.truncated";
    /** Well under any producer's max.request.size, so a dead letter always fits. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    private static final System.Logger LOG = System.getLogger(DeadLetters.class.getName());

    private final Producer<byte[], byte[]> producer;
    private final String consumerName;
    private final String topic;

    public DeadLetters(Producer<byte[], byte[]> producer, String consumerName) {
        this(producer, consumerName, Topics.DEAD_LETTER);
    }

    public DeadLetters(Producer<byte[], byte[]> producer, String consumerName, String topic) {
        this.producer = producer;
        this.consumerName = consumerName;
        this.topic = topic;
    }

    public Future<RecordMetadata> send(ConsumerRecord<byte[], byte[]> record, Throwable error) {
        return send(
                record,
                error.getMessage() != null ? error.getMessage() : error.toString(),
                error.getClass().getName());
    }

    public Future<RecordMetadata> send(ConsumerRecord<byte[], byte[]> record, String reason, String errorClass) {
        RecordHeaders headers = new RecordHeaders();
        for (Header h : record.headers()) headers.add(h);
        headers.add(REASON, utf8(reason));
        headers.add(ERROR_CLASS, utf8(errorClass));
        headers.add(SOURCE_TOPIC, utf8(record.topic()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(record.offset())));
        headers.add(CONSUMER, utf8(consumerName));
        headers.add(TIME, utf8(Instant.now().toString()));
        byte[] value = record.value();
        if (value != null) {
            headers.add(VALUE_BYTES, utf8(Integer.toString(value.length)));
            if (value.length > MAX_VALUE_BYTES) {
                headers.add(TRUNCATED, utf8("true"));
                value = Arrays.copyOf(value, MAX_VALUE_BYTES);
            }
        }
        byte[] key = record.key() != null && record.key().length > MAX_VALUE_BYTES
                ? Arrays.copyOf(record.key(), MAX_VALUE_BYTES)
                : record.key();
        return producer.send(new ProducerRecord<>(topic, null, key, value, headers), (meta, error) -> {
            if (error == null) return;
            LOG.log(
                    System.Logger.Level.ERROR,
                    "dead letter of " + record.topic() + "/" + record.partition() + "@" + record.offset()
                            + " not written to " + topic + ": " + error.getMessage());
        });
    }

    /** Reads one dead-letter header as text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
