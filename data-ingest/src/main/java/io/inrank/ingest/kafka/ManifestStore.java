package io.inrank.ingest.kafka;

import io.inrank.protocol.DatasetManifest;
import io.inrank.protocol.MalformedRecordException;
import io.inrank.protocol.Messages;
import io.inrank.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/** Reads and writes dataset manifests on the compacted {@link io.inrank.protocol.Topics#DATASETS} topic. */
public final class ManifestStore {
    private static final Logger LOG = Logger.getLogger(ManifestStore.class);

    private final KafkaClients clients;

    public ManifestStore(KafkaClients clients) {
        this.clients = clients;
    }

    public static void ensureTopic(Admin admin, Optional<Short> replication) throws Exception {
        TopicAdmin.ensure(admin, Topics.spec(Topics.DATASETS), replication);
    }

    /** The latest manifest of every key (reads the topic from the start to its current end). */
    public Map<String, DatasetManifest> all() {
        Map<String, DatasetManifest> latest = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = clients.reader()) {
            List<PartitionInfo> parts = c.partitionsFor(Topics.DATASETS, Duration.ofSeconds(30));
            if (parts == null || parts.isEmpty()) return latest;
            List<TopicPartition> tps = parts.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            c.assign(tps);
            c.seekToBeginning(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException("timed out reading " + Topics.DATASETS);
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) continue;
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        latest.remove(key); // tombstone
                        continue;
                    }
                    try {
                        latest.put(key, Messages.decode(r.value(), DatasetManifest.class));
                    } catch (MalformedRecordException e) {
                        LOG.warnf(
                                "ignoring malformed manifest at %s offset %d: %s",
                                r.topic(), r.offset(), e.getMessage());
                    }
                }
            }
        }
        return latest;
    }

    public DatasetManifest latest(String key) {
        return all().get(key);
    }

    public void write(KafkaProducer<byte[], byte[]> producer, DatasetManifest m) throws Exception {
        producer.send(new ProducerRecord<>(
                        Topics.DATASETS, m.key().getBytes(StandardCharsets.UTF_8), Messages.encode(m)))
                .get();
    }
}
