package io.inrank.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: {@code @QuarkusTestResource(KafkaLocalTestResource.class)} starts a real broker before the
 * application and sets {@code kafka.bootstrap.servers} (and {@code inrank.kafka.bootstrap}) for it.
 */
public final class KafkaLocalTestResource implements QuarkusTestResourceLifecycleManager {

    private KafkaLocal broker;

    @Override
    public Map<String, String> start() {
        try {
            broker = KafkaLocal.start();
        } catch (Exception e) {
            throw new IllegalStateException("kafka-local broker did not start: " + e.getMessage(), e);
        }
        return Map.of(
                "kafka.bootstrap.servers",
                broker.bootstrapServers(),
                "inrank.kafka.bootstrap",
                broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) broker.close();
    }
}
