package io.inrank.protocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How one topic of the pipeline is laid out: written once here ({@link Topics}), used by every service that creates it
 * and checked field by field against the Strimzi {@code KafkaTopic}s in k8s/.
 *
 * @param partitions     always 1 today: each consumer needs one ordered stream (blocks in order, decisions after the
 *                       report they answer)
 * @param retentionMs    null = the broker's default (compacted topics keep each key's last value regardless); -1 = forever
 * @param retentionBytes null = the broker's default; -1 = unbounded
 */
public record TopicSpec(String name, int partitions, Cleanup cleanup, Long retentionMs, Long retentionBytes) {

    /** Kafka's {@code cleanup.policy}. */
    public enum Cleanup {
        DELETE(TopicConfig.CLEANUP_POLICY_DELETE),
        COMPACT(TopicConfig.CLEANUP_POLICY_COMPACT);

        public final String policy;

        Cleanup(String policy) {
            this.policy = policy;
        }
    }

    static final long WEEK_MS = 7L * 24 * 3600 * 1000;

    public TopicSpec {
        if (partitions < 1) throw new IllegalArgumentException(name + ": partitions must be >= 1");
    }

    /** Latest value per key (manifests, run state, checkpoint announcements). */
    static TopicSpec compacted(String name) {
        return new TopicSpec(name, 1, Cleanup.COMPACT, null, null);
    }

    /** Events that matter for a week (spectra, decisions, dead letters: enough to debug a run, bounded on disk). */
    static TopicSpec week(String name) {
        return new TopicSpec(name, 1, Cleanup.DELETE, WEEK_MS, null);
    }

    /** Data kept until someone deletes it (token blocks: a run may re-read them any time). */
    static TopicSpec forever(String name) {
        return new TopicSpec(name, 1, Cleanup.DELETE, -1L, -1L);
    }

    /** The topic-level configs this spec sets, exactly as a {@code KafkaTopic}'s {@code spec.config} must read. */
    public Map<String, String> configs() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(TopicConfig.CLEANUP_POLICY_CONFIG, cleanup.policy);
        if (retentionMs != null) c.put(TopicConfig.RETENTION_MS_CONFIG, retentionMs.toString());
        if (retentionBytes != null) c.put(TopicConfig.RETENTION_BYTES_CONFIG, retentionBytes.toString());
        return c;
    }

    /** @param replication empty = the broker's default */
    public NewTopic newTopic(Optional<Short> replication) {
        return new NewTopic(name, Optional.of(partitions), replication).configs(configs());
    }
}
