package io.inrank.trainer.data;

import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.TokenBlocks;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * One split held in memory: waits for its manifest to say done, then reads the whole token topic once and keeps the
 * blocks as uint16 (Java {@code char}, 2 bytes per id: WikiText-103 train is ~236 MB). Every record is checked — codec
 * header, key = offset = block index, L+1 ids inside the vocabulary — and the count must equal the manifest's, so a
 * trainer never starts on a partial or foreign split.
 */
public final class BlockStore {
    private final DatasetManifest manifest;
    private final int width; // L + 1
    private final char[] ids;
    private final int blocks;

    private BlockStore(DatasetManifest manifest, char[] ids) {
        this.manifest = manifest;
        this.width = manifest.blockLength() + 1;
        this.ids = ids;
        this.blocks = (int) manifest.blocks();
    }

    public static BlockStore load(KafkaClientConfig kafka, String dataset, String split, Duration waitForManifest) {
        try (KafkaConsumer<byte[], byte[]> c =
                kafka.consumer("inrank-trainer", Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
            DatasetManifest m = awaitManifest(c, Topics.manifestKey(dataset, split), waitForManifest);
            // the manifest names the topic; only the split's own is read (a forged manifest cannot redirect the
            // trainer)
            if (!m.topic().equals(Topics.tokens(dataset, split)))
                throw new IllegalStateException(
                        m.key() + ": the manifest names topic " + m.topic() + ", not " + Topics.tokens(dataset, split));
            if (m.blocks() > Integer.MAX_VALUE / (m.blockLength() + 1)) {
                throw new IllegalStateException(m.key() + ": " + m.blocks() + " blocks do not fit one in-memory store");
            }
            int width = m.blockLength() + 1;
            char[] ids = new char[(int) (m.blocks() * width)];
            TopicPartition tp = new TopicPartition(m.topic(), 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            if (end != m.blocks()) {
                throw new IllegalStateException(
                        m.topic() + " holds " + end + " records but its manifest says " + m.blocks() + " blocks");
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (c.position(tp) < end) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("timed out reading " + m.topic());
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    try {
                        TokenBlocks.checkCodec(r.headers());
                        long index = TokenBlocks.blockIndex(r.key());
                        if (index != r.offset())
                            throw new MalformedRecordException("key " + index + " at offset " + r.offset());
                        int[] block = TokenBlocks.decode(r.value(), width, m.vocabSize());
                        int base = (int) (index * width);
                        for (int i = 0; i < width; i++) ids[base + i] = (char) block[i];
                    } catch (MalformedRecordException e) {
                        throw new IllegalStateException(m.topic() + " offset " + r.offset() + ": " + e.getMessage(), e);
                    }
                }
            }
            return new BlockStore(m, ids);
        }
    }

    private static DatasetManifest awaitManifest(KafkaConsumer<byte[], byte[]> c, String key, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            DatasetManifest m = latest(c, key);
            if (m != null && m.done()) return m;
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no finished manifest for " + key + " on " + Topics.DATASETS + " after " + wait.toSeconds()
                                + " s" + (m == null ? "" : " (one exists but is not done)") + ": run the ingest first");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + key);
            }
        }
    }

    private static DatasetManifest latest(KafkaConsumer<byte[], byte[]> c, String key) {
        List<PartitionInfo> parts = c.partitionsFor(Topics.DATASETS, Duration.ofSeconds(10));
        if (parts == null || parts.isEmpty()) return null;
        List<TopicPartition> tps = parts.stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        Map<TopicPartition, Long> end = c.endOffsets(tps);
        c.assign(tps);
        c.seekToBeginning(tps);
        DatasetManifest found = null;
        while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                if (r.key() == null || !new String(r.key(), StandardCharsets.UTF_8).equals(key)) continue;
                if (r.value() == null) {
                    found = null;
                    continue;
                }
                try {
                    found = Messages.decode(r.value(), DatasetManifest.class);
                } catch (MalformedRecordException ignored) {
                    // an unreadable manifest is not a finished one
                }
            }
        }
        return found;
    }

    public DatasetManifest manifest() {
        return manifest;
    }

    public int blocks() {
        return blocks;
    }

    /** Ids per block (L + 1). */
    public int width() {
        return width;
    }

    /** Copies block i into out[off .. off + L + 1). */
    public void block(int i, int[] out, int off) {
        int base = i * width;
        for (int k = 0; k < width; k++) out[off + k] = ids[base + k];
    }
}
