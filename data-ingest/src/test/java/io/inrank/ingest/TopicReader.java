package io.inrank.ingest;

import io.inrank.protocol.TokenBlocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole single-partition topic back with a plain consumer (what a trainer would do). */
final class TopicReader {
    private TopicReader() {}

    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrap,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        10_000),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline)
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            return out;
        }
    }

    /**
     * Rebuilds the token stream from the blocks, checking keys 0..n-1 each exactly once and the one-token overlap
     * between neighbours.
     */
    static int[] tokenStream(List<ConsumerRecord<byte[], byte[]>> records, int blockLength) {
        int[] out = new int[records.size() * blockLength + 1];
        int n = 0;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = records.get(i);
            TokenBlocks.checkCodec(r.headers());
            if (TokenBlocks.blockIndex(r.key()) != i)
                throw new AssertionError("record " + i + " has key " + TokenBlocks.blockIndex(r.key()));
            int[] ids = TokenBlocks.decode(r.value(), blockLength + 1, TokenBlocks.GPT2_VOCAB);
            if (i > 0 && ids[0] != out[n - 1])
                throw new AssertionError("block " + i + " does not start with the previous block's last token");
            int from = i == 0 ? 0 : 1;
            System.arraycopy(ids, from, out, n, ids.length - from);
            n += ids.length - from;
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
