package io.inrank.protocol;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the broker: each service's least-privilege grants, in one table. The secured local broker
 * (kafka-local's ACL test) applies exactly these, and the Kubernetes {@code KafkaUser}s must say the same (k8s
 * CrossCheckTest), so a service that starts touching a new topic fails a test until its grant is added here.
 *
 * <p>READ and WRITE imply DESCRIBE, which is all {@link TopicSetup#ensure} needs for topics that exist: the fixed
 * topics are made by an administrator (the Strimzi topic operator, or the test's admin), so only the ingest, which makes
 * one topic per dataset and split, may create and delete topics, and only under {@code inrank.tokens.}.
 */
public final class Access {
    private Access() {}

    public enum Op {
        READ,
        WRITE,
        CREATE,
        DELETE;

        AclOperation acl() {
            return AclOperation.valueOf(name());
        }
    }

    /** One grant: a topic or consumer group, by literal name or by prefix, and what the service may do with it. */
    public record Grant(ResourceType type, String name, boolean prefix, Set<Op> ops) {
        public Grant {
            ops = Set.copyOf(ops);
        }

        static Grant topic(String name, Op first, Op... more) {
            return new Grant(ResourceType.TOPIC, name, false, EnumSet.of(first, more));
        }

        static Grant topicPrefix(String prefix, Op first, Op... more) {
            return new Grant(ResourceType.TOPIC, prefix, true, EnumSet.of(first, more));
        }

        static Grant group(String name) {
            return new Grant(ResourceType.GROUP, name, false, EnumSet.of(Op.READ));
        }

        public ResourcePattern pattern() {
            return new ResourcePattern(type, name, prefix ? PatternType.PREFIXED : PatternType.LITERAL);
        }
    }

    /** The rank-controller's consumer group (its {@code inrank.controller.group} default). */
    public static final String CONTROLLER_GROUP = "inrank-rank-controller";

    /** Service name → its grants. The names are the k8s KafkaUser names and the local broker's users. */
    public static final Map<String, List<Grant>> SERVICES;

    static {
        Map<String, List<Grant>> m = new LinkedHashMap<>();
        m.put(
                PipelineService.DATA_INGEST.module(),
                List.of(
                        Grant.topic(Topics.DATASETS, Op.READ, Op.WRITE),
                        Grant.topicPrefix(Topics.tokensPrefix(), Op.READ, Op.WRITE, Op.CREATE, Op.DELETE)));
        m.put(
                PipelineService.TRAINER.module(),
                List.of(
                        Grant.topic(Topics.DATASETS, Op.READ),
                        Grant.topicPrefix(Topics.tokensPrefix(), Op.READ),
                        Grant.topic(Topics.SPECTRA, Op.WRITE),
                        Grant.topic(Topics.RANK_DECISIONS, Op.READ),
                        Grant.topic(Topics.CHECKPOINTS, Op.WRITE),
                        Grant.topic(Topics.DEAD_LETTER, Op.WRITE),
                        Grant.topic(Topics.RENDEZVOUS, Op.READ, Op.WRITE)));
        m.put(
                PipelineService.RANK_CONTROLLER.module(),
                List.of(
                        Grant.topic(Topics.SPECTRA, Op.READ),
                        Grant.group(CONTROLLER_GROUP),
                        Grant.topic(Topics.RANK_DECISIONS, Op.WRITE),
                        Grant.topic(Topics.RANK_STATE, Op.READ, Op.WRITE),
                        Grant.topic(Topics.DEAD_LETTER, Op.WRITE)));
        m.put(
                PipelineService.INFERENCE.module(),
                List.of(Grant.topic(Topics.CHECKPOINTS, Op.READ), Grant.topic(Topics.DEAD_LETTER, Op.WRITE)));
        SERVICES = java.util.Collections.unmodifiableMap(m);
    }

    /** The ACL bindings that give {@code principal} (e.g. {@code User:trainer}) the grants of {@code service}. */
    public static List<AclBinding> bindings(String service, String principal) {
        List<Grant> grants = SERVICES.get(service);
        if (grants == null) throw new IllegalArgumentException("no service " + service + " in " + SERVICES.keySet());
        List<AclBinding> out = new ArrayList<>();
        for (Grant g : grants) {
            for (Op op : g.ops()) {
                out.add(new AclBinding(
                        g.pattern(), new AccessControlEntry(principal, "*", op.acl(), AclPermissionType.ALLOW)));
            }
        }
        return out;
    }
}
