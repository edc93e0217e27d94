package io.inrank.protocol;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creating the pipeline's topics: one partition each (order), with their configs; a concurrent creator is fine. */
public final class TopicSetup {
    private TopicSetup() {}

    public static boolean exists(Admin admin, String topic) throws Exception {
        return admin.listTopics().names().get().contains(topic);
    }

    /** @param replication empty = the broker's default */
    public static void ensure(Admin admin, String topic, Map<String, String> config, Optional<Short> replication)
            throws Exception {
        if (exists(admin, topic)) return;
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), replication).configs(config)))
                    .all()
                    .get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
    }
}
