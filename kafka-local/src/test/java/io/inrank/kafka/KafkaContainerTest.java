package io.inrank.kafka;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same broker contract against Apache Kafka's container image, for machines with a Docker engine.
 * Skipped cleanly where there is none (as on the CI machines of this project).
 */
@Testcontainers(disabledWithoutDocker = true)
class KafkaContainerTest extends BrokerContract {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.2");

    @Override
    String bootstrap() {
        return KAFKA.getBootstrapServers();
    }
}
