package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A consumer that meets malformed records dead-letters them with the reason and keeps going (real broker). */
@ExtendWith(KafkaLocalExtension.class)
class DeadLettersTest {

    @Test
    void badRecordsAreRepublishedWithReasonAndGoodOnesStillProcessed(KafkaLocal kafka) throws Exception {
        String in = "dl-in-" + UUID.randomUUID();
        String dlq = "dl-out-" + UUID.randomUUID();
        Map<String, Object> pc = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all");
        byte[] good = Messages.encode(MessagesTest.manifest());
        List<byte[]> values = List.of(good, "garbage".getBytes(), new byte[] {0, 1, 2}, good);
        try (var p = new KafkaProducer<>(pc, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) p.send(new ProducerRecord<>(in, "key".getBytes(), v));
            p.flush();
        }

        int ok = 0;
        try (var p = new KafkaProducer<>(pc, new ByteArraySerializer(), new ByteArraySerializer());
                var c = consumer(kafka)) {
            DeadLetters dead = new DeadLetters(p, "test-consumer", dlq);
            c.subscribe(List.of(in));
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen < values.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    seen++;
                    try {
                        Messages.decode(r.value(), DatasetManifest.class);
                        ok++;
                    } catch (MalformedRecordException e) {
                        dead.send(r, e).get();
                    }
                }
            }
        }
        assertEquals(2, ok);

        List<ConsumerRecord<byte[], byte[]>> dl = new ArrayList<>();
        try (var c = consumer(kafka)) {
            c.subscribe(List.of(dlq));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (dl.size() < 2 && System.nanoTime() < deadline)
                c.poll(Duration.ofMillis(200)).forEach(dl::add);
        }
        assertEquals(2, dl.size());
        assertArrayEquals("garbage".getBytes(), dl.get(0).value(), "original bytes kept");
        assertArrayEquals("key".getBytes(), dl.get(0).key(), "original key kept");
        assertEquals(in, DeadLetters.header(dl.get(0), DeadLetters.SOURCE_TOPIC));
        assertEquals("1", DeadLetters.header(dl.get(0), DeadLetters.SOURCE_OFFSET));
        assertEquals("test-consumer", DeadLetters.header(dl.get(0), DeadLetters.CONSUMER));
        assertTrue(DeadLetters.header(dl.get(0), DeadLetters.REASON).startsWith("DatasetManifest:"));
        assertEquals(MalformedRecordException.class.getName(), DeadLetters.header(dl.get(1), DeadLetters.ERROR_CLASS));
        assertTrue(Arrays.equals(new byte[] {0, 1, 2}, dl.get(1).value()));
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaLocal kafka) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "g-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }
}
