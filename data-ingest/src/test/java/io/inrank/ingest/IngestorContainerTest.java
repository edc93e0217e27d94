package io.inrank.ingest;

import io.inrank.ingest.kafka.KafkaClients;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * Every ingest integration test again, against Apache Kafka's container image instead of kafka-local. Runs where a
 * Docker engine exists; skipped cleanly where none does (as on this project's CI machines).
 */
@Testcontainers(disabledWithoutDocker = true)
class IngestorContainerTest extends IngestorKafkaTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.2");

    @BeforeAll
    static void useContainer() {
        clients = new KafkaClients(KAFKA.getBootstrapServers(), Map.of(), "lz4");
    }
}
