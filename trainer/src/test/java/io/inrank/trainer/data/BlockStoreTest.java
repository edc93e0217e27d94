package io.inrank.trainer.data;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.kafka.KafkaLocalExtension;
import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.TokenBlocks;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The trainer's data side on a real broker: a split written as data-ingest writes it, loaded and batched. */
@ExtendWith(KafkaLocalExtension.class)
class BlockStoreTest {

    static final String SHA = "b".repeat(64);

    /** Writes blocks of a known stream (token t at position p = (p·7 + 3) mod 50257) and, if asked, a done manifest. */
    static int[] write(
            KafkaLocal kafka, String dataset, int blockLength, int blocks, boolean manifest, byte[] corrupt) {
        int n = blocks * blockLength + 1;
        int[] stream = new int[n];
        for (int i = 0; i < n; i++) stream[i] = (i * 7 + 3) % TokenBlocks.GPT2_VOCAB;
        String topic = Topics.tokens(dataset, "train");
        try (var p = new KafkaProducer<>(
                Map.<String, Object>of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int b = 0; b < blocks; b++) {
                byte[] v = b == 1 && corrupt != null
                        ? corrupt
                        : TokenBlocks.encode(
                                Arrays.copyOfRange(stream, b * blockLength, b * blockLength + blockLength + 1));
                p.send(new ProducerRecord<>(
                        topic,
                        0,
                        TokenBlocks.key(b),
                        v,
                        List.of(new RecordHeader(
                                TokenBlocks.CODEC_HEADER, TokenBlocks.CODEC.getBytes(StandardCharsets.UTF_8)))));
            }
            if (manifest) {
                DatasetManifest m = new DatasetManifest(
                        1,
                        dataset,
                        "train",
                        topic,
                        blockLength,
                        blocks,
                        n,
                        "gpt2",
                        50257,
                        false,
                        List.of(),
                        SHA,
                        SHA,
                        0,
                        "2026-11-26T00:00:00Z",
                        true);
                p.send(new ProducerRecord<>(
                        Topics.DATASETS, m.key().getBytes(StandardCharsets.UTF_8), Messages.encode(m)));
            }
        }
        return stream;
    }

    @Test
    void loadsEveryBlockAndBatchesAreSeededCompleteAndResumable(KafkaLocal kafka) {
        int[] stream = write(kafka, "ds-ok", 16, 40, true, null);
        BlockStore store = BlockStore.load(
                KafkaClientConfig.of(kafka.bootstrapServers()), "ds-ok", "train", Duration.ofSeconds(30));
        assertEquals(40, store.blocks());
        assertEquals(17, store.width());
        int[] b7 = new int[17];
        store.block(7, b7, 0);
        assertArrayEquals(Arrays.copyOfRange(stream, 7 * 16, 7 * 16 + 17), b7);

        Batches batches = new Batches(store, 8, 1113);
        int[] in = new int[8 * 16], tg = new int[8 * 16];
        List<int[]> seen = new ArrayList<>();
        Set<Integer> firstTokens = new HashSet<>();
        Batches.Position afterThree = null;
        for (int i = 0; i < 10; i++) { // 5 batches per epoch: two epochs
            if (i == 3) afterThree = batches.position();
            batches.next(in, tg);
            seen.add(in.clone());
            for (int b = 0; b < 8; b++) {
                assertEquals(in[b * 16 + 1], tg[b * 16], "target = input shifted by one");
                if (i < 5) firstTokens.add(in[b * 16]);
            }
        }
        assertEquals(40, firstTokens.size(), "each block exactly once per epoch");
        assertFalse(Arrays.equals(seen.get(0), seen.get(5)), "reshuffled every epoch");
        assertEquals(new Batches.Position(1, 40), batches.position());

        Batches resumed = new Batches(store, 8, 1113);
        resumed.seek(afterThree);
        for (int i = 3; i < 10; i++) {
            resumed.next(in, tg);
            assertArrayEquals(seen.get(i), in, "batch " + i + " after resuming");
        }
    }

    @Test
    void refusesMissingManifestsAndCorruptBlocks(KafkaLocal kafka) {
        write(kafka, "ds-nomanifest", 8, 4, false, null);
        var e = assertThrows(
                IllegalStateException.class,
                () -> BlockStore.load(
                        KafkaClientConfig.of(kafka.bootstrapServers()),
                        "ds-nomanifest",
                        "train",
                        Duration.ofSeconds(2)));
        assertTrue(e.getMessage().startsWith("no finished manifest for ds-nomanifest/train"), e.getMessage());

        write(kafka, "ds-bad", 8, 4, true, new byte[] {1, 2, 3});
        var e2 = assertThrows(
                IllegalStateException.class,
                () -> BlockStore.load(
                        KafkaClientConfig.of(kafka.bootstrapServers()), "ds-bad", "train", Duration.ofSeconds(30)));
        assertTrue(
                e2.getMessage().startsWith("inrank.tokens.ds-bad.train offset 1: token block: odd byte length 3"),
                e2.getMessage());
    }
}
