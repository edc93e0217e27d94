package io.inrank.ingest.cli;

import io.inrank.ingest.kafka.ManifestStore;
import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.TokenBlocks;
import io.inrank.protocol.Topics;
import io.inrank.tokenizer.Gpt2Tokenizer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./inrank ingest show}: the manifests of a dataset and, optionally, one block decoded back to text. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Print dataset manifests and decode a sample block.")
public class ShowCommand implements Callable<Integer> {

    @Option(names = "--dataset", description = "Only this dataset (default: all).")
    String dataset;

    @Option(
            names = "--split",
            defaultValue = "train",
            description = "Split of the sample block (default ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--block", defaultValue = "-1", description = "Decode this block index (default: none).")
    long block;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        Map<String, DatasetManifest> all = new TreeMap<>(new ManifestStore(kafka.clients()).all());
        all.values().removeIf(m -> dataset != null && !m.dataset().equals(dataset));
        if (all.isEmpty()) {
            System.err.println("no manifests" + (dataset != null ? " for dataset '" + dataset + "'" : "") + " on "
                    + kafka.bootstrap);
            return 1;
        }
        for (DatasetManifest m : all.values()) System.out.println(Messages.toJson(m, true));
        if (block < 0) return 0;
        DatasetManifest m = all.get(Topics.manifestKey(
                dataset != null ? dataset : all.values().iterator().next().dataset(), split));
        if (m == null) {
            System.err.println("no manifest for split '" + split + "'");
            return 1;
        }
        if (block >= m.blocks()) {
            System.err.println("block " + block + " does not exist: " + m.key() + " has " + m.blocks() + " blocks");
            return 1;
        }
        try (KafkaConsumer<byte[], byte[]> c = kafka.clients().reader()) {
            TopicPartition tp = new TopicPartition(m.topic(), 0);
            c.assign(List.of(tp));
            c.seek(tp, block);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() != block) continue;
                    try {
                        TokenBlocks.checkCodec(r.headers());
                        int[] ids = TokenBlocks.decode(r.value(), m.blockLength() + 1, m.vocabSize());
                        System.out.printf(
                                "--- %s block %d (key %d, %d ids; first 16: %s) ---%n",
                                m.topic(),
                                block,
                                TokenBlocks.blockIndex(r.key()),
                                ids.length,
                                java.util.Arrays.toString(java.util.Arrays.copyOf(ids, Math.min(16, ids.length))));
                        System.out.println(Gpt2Tokenizer.decode(ids));
                        System.out.println("--- end of block ---");
                        return 0;
                    } catch (MalformedRecordException e) {
                        System.err.println("block " + block + " is malformed: " + e.getMessage());
                        return 1;
                    }
                }
            }
        }
        System.err.println("timed out reading block " + block);
        return 3;
    }
}
