package io.inrank.kafka;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The broker contract on the in-process kafka-local broker (always runs). */
@ExtendWith(KafkaLocalExtension.class)
class KafkaLocalTest extends BrokerContract {

    static String bootstrap;

    @BeforeAll
    static void broker(KafkaLocal broker) {
        bootstrap = broker.bootstrapServers();
    }

    @Override
    String bootstrap() {
        return bootstrap;
    }
}
