package io.inrank.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KafkaClientConfigTest {
    static final Map<String, String> CONFIG = Map.of(
            "kafka.bootstrap.servers", "broker:9093",
            "kafka.security.protocol", "SASL_SSL",
            "kafka.sasl.mechanism", "SCRAM-SHA-512",
            "kafka.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required"
                            + " username=\"u\" password=\"secret-pw\";",
            "kafka.acks", "1",
            "kafka.group.id", "g",
            "kafka.devservices.enabled", "false", // a Quarkus key, not a client property: ignored
            "inrank.other", "x");

    static KafkaClientConfig fromConfig() {
        return KafkaClientConfig.fromConfig(k -> Optional.ofNullable(CONFIG.get(k)), "localhost:9092");
    }

    @Test
    void readsEveryClientPropertyFromConfig() {
        KafkaClientConfig c = fromConfig();
        assertEquals("broker:9093", c.bootstrap());
        assertEquals(
                Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "sasl.jaas.config", CONFIG.get("kafka.sasl.jaas.config"),
                        "acks", "1",
                        "group.id", "g"),
                c.properties());
        assertEquals(
                "localhost:9092",
                KafkaClientConfig.fromConfig(k -> Optional.empty(), "localhost:9092")
                        .bootstrap());
    }

    @Test
    void eachClientGetsTheSecuritySettingsAndOnlyWhatItKnows() {
        KafkaClientConfig c = fromConfig();
        Map<String, Object> admin = c.adminConfig("svc", Map.of());
        Map<String, Object> producer = c.producerConfig("svc", Map.of("acks", "all", "linger.ms", 0));
        Map<String, Object> consumer = c.consumerConfig("svc", Map.of());
        for (Map<String, Object> m : java.util.List.of(admin, producer, consumer)) {
            assertEquals("broker:9093", m.get("bootstrap.servers"));
            assertEquals("SASL_SSL", m.get("security.protocol"));
            assertEquals("SCRAM-SHA-512", m.get("sasl.mechanism"));
            assertTrue(((String) m.get("client.id")).startsWith("svc-"), m.toString());
        }
        assertEquals("1", producer.get("acks"), "the operator's setting wins over the code's default");
        assertEquals(0, producer.get("linger.ms"));
        assertNull(admin.get("acks"), "a producer setting is not handed to the admin client");
        assertEquals("g", consumer.get("group.id"));
        assertNull(producer.get("group.id"));
        assertTrue(!admin.get("client.id").equals(producer.get("client.id")), "client ids are numbered");
    }

    @Test
    void showsNoSecretValues() {
        KafkaClientConfig c = fromConfig();
        assertFalse(c.toString().contains("secret-pw"), c.toString());
        assertTrue(c.toString().contains("sasl.jaas.config"), c.toString());
        String json = Messages.toJson(Map.of("kafka", c), false);
        assertFalse(json.contains("secret-pw"), json);
        assertTrue(json.contains("broker:9093"), json);
    }

    @Test
    void refusesWhatWouldBreakThePipelineOrHideATypo() {
        KafkaClientConfig c = KafkaClientConfig.of("b:1");
        var serializer = assertThrows(IllegalArgumentException.class, () -> c.with(Map.of("value.serializer", "x.Y")));
        assertTrue(serializer.getMessage().contains("value.serializer"), serializer.getMessage());
        var typo = assertThrows(IllegalArgumentException.class, () -> c.with(Map.of("security.protocoll", "SSL")));
        assertEquals("unknown Kafka client property security.protocoll", typo.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KafkaClientConfig.of(" "));
        assertEquals("b:2", c.withBootstrap("b:2").bootstrap());
        assertEquals(
                "SSL", c.with(Map.of("security.protocol", "SSL")).properties().get("security.protocol"));
    }

    @Test
    void bootstrapServersAreCheckedEntryByEntry() {
        for (String ok :
                new String[] {"b:1", "a:9092,b:9093", "SASL_SSL://kafka-0.kafka:9093", "[::1]:9092", " a:1 , b:2"})
            assertEquals(ok, KafkaClientConfig.checkBootstrap(ok));
        Map<String, String> refused = Map.of(
                "localhost", "'localhost' in localhost is not HOST:PORT",
                "a:1,", "'' in a:1, is not HOST:PORT",
                "a:x", "'a:x' in a:x is not HOST:PORT",
                ":9092", "':9092' in :9092 is not HOST:PORT",
                "a:0", "'a:0' in a:0: port 0 is not 1-65535",
                "a:65536", "'a:65536' in a:65536: port 65536 is not 1-65535",
                "a:99999999999", "'a:99999999999' in a:99999999999: port 99999999999 is not 1-65535");
        refused.forEach((servers, message) -> {
            var e = assertThrows(IllegalArgumentException.class, () -> KafkaClientConfig.of(servers), servers);
            assertEquals(message, e.getMessage());
        });
    }
}
