package io.inrank.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secured broker: SCRAM logins, ACLs enforced (no ACL, no access), users kept across a restart. */
class SecuredBrokerTest {
    @TempDir
    Path dir;

    @Test
    void onlyWhatAnAclGrantsAndOnlyForTheRightPassword() throws Exception {
        KafkaLocal.Builder b =
                KafkaLocal.builder().dataDir(dir).scram("admin-pw", Map.of("alice", "alice-pw", "bob", "bob-pw"));
        int port;
        try (KafkaLocal broker = b.start()) {
            port = broker.port();
            assertTrue(broker.secured());
            try (Admin admin = Admin.create(props(broker, "admin", "admin-pw"))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1)))
                        .all()
                        .get();
                admin.createAcls(List.of(new AclBinding(
                                new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                                new AccessControlEntry(
                                        "User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                        .all()
                        .get();
            }
            assertEquals(0, send(broker, "alice", "alice-pw", "t"), "alice may write t: the first record");
            var bob = assertThrows(ExecutionException.class, () -> send(broker, "bob", "bob-pw", "t"));
            assertInstanceOf(TopicAuthorizationException.class, bob.getCause(), bob.toString());
            var wrong = assertThrows(Exception.class, () -> send(broker, "alice", "not-it", "t"));
            assertTrue(causedBy(wrong, SaslAuthenticationException.class), wrong.toString());
        }
        // the same data again: users and ACLs live in the metadata log
        try (KafkaLocal again = b.port(port).start()) {
            assertEquals(1, send(again, "alice", "alice-pw", "t"), "the second record");
            assertThrows(ExecutionException.class, () -> send(again, "bob", "bob-pw", "t"));
        }
    }

    static long send(KafkaLocal broker, String user, String password, String topic) throws Exception {
        Map<String, Object> p = props(broker, user, password);
        p.put("max.block.ms", 10_000);
        p.put("delivery.timeout.ms", 10_000);
        p.put("request.timeout.ms", 5_000);
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, "k", "v"))
                    .get(20, TimeUnit.SECONDS)
                    .offset();
        }
    }

    static Map<String, Object> props(KafkaLocal broker, String user, String password) {
        Map<String, Object> p = new HashMap<>(Secured.clientProperties(user, password));
        p.put("bootstrap.servers", broker.bootstrapServers());
        return p;
    }

    static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (; t != null; t = t.getCause()) if (type.isInstance(t)) return true;
        return false;
    }

    @Test
    void plainByDefault() throws Exception {
        try (KafkaLocal broker = KafkaLocal.start()) {
            assertFalse(broker.secured());
        }
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().scram("", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> KafkaLocal.builder().scram("x", Map.of("admin", "y")));
    }
}
