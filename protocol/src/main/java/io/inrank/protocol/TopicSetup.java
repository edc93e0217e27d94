package io.inrank.protocol;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creating the pipeline's topics: one partition each (order), with their configs; a concurrent creator is fine. */
public final class TopicSetup {
    private TopicSetup() {}

    public static boolean exists(Admin admin, String topic) throws Exception {
        return admin.listTopics().names().get().contains(topic);
    }

    /** Creates the topics that do not exist yet, with the broker's default replication. */
    public static void ensure(Admin admin, List<TopicSpec> topics) throws Exception {
        for (TopicSpec t : topics) ensure(admin, t, Optional.empty());
    }

    /** @param replication empty = the broker's default */
    public static void ensure(Admin admin, TopicSpec topic, Optional<Short> replication) throws Exception {
        if (exists(admin, topic.name())) return;
        try {
            admin.createTopics(List.of(topic.newTopic(replication))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }
}
