package io.inrank.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.inrank.protocol.Access;
import io.inrank.protocol.Topics;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimple;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerAuthenticationScramSha512;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResource;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka security in the manifests: a TLS + SCRAM-SHA-512 listener only, "simple" authorization, one KafkaUser per
 * service whose ACLs are exactly protocol's {@link Access} table, every service logging in as its own user — and the
 * table against the code: every grant's topic or group is used by the service's sources, every topic its sources touch
 * is granted. (That the grants are also enough, operation by operation, SecuredPipelineIT shows on a real broker.)
 */
class KafkaAccessTest {

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu"})
    void theClusterSpeaksOnlyTlsWithScramAndAuthorizesByAcl(String dir) {
        Kafka k = Rendered.of(dir).all(Kafka.class).get(0);
        for (GenericKafkaListener l : k.getSpec().getKafka().getListeners()) {
            assertTrue(l.isTls(), l.getName() + ": TLS");
            assertTrue(
                    l.getAuth() instanceof KafkaListenerAuthenticationScramSha512,
                    l.getName() + ": SCRAM-SHA-512 authentication, got " + l.getAuth());
        }
        assertTrue(
                k.getSpec().getKafka().getAuthorization() instanceof KafkaAuthorizationSimple,
                "simple (ACL) authorization");
        assertNotNull(
                k.getSpec().getEntityOperator().getUserOperator(),
                "the User Operator, or no KafkaUser gets credentials, ACLs or its Secret");
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/local", "overlays/gpu"}) // runs/* reuse the base trainer template checked here
    void everyServiceLogsInAsItsOwnUserOverTls(String dir) {
        Rendered r = Rendered.of(dir);
        Kafka k = r.all(Kafka.class).get(0);
        GenericKafkaListener tls = k.getSpec().getKafka().getListeners().get(0);
        String cluster = k.getMetadata().getName();
        r.podTemplates().forEach((w, t) -> {
            String user = t.getMetadata().getLabels().get("app.kubernetes.io/component");
            assertTrue(Access.SERVICES.containsKey(user), w + ": component " + user + " has no grants");
            Container c = t.getSpec().getContainers().get(0);
            Map<String, String> env = r.env(c);
            assertEquals(cluster + "-kafka-bootstrap:" + tls.getPort(), env.get("KAFKA_BOOTSTRAP_SERVERS"), w);
            assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL"), w);
            assertEquals("SCRAM-SHA-512", env.get("KAFKA_SASL_MECHANISM"), w);
            EnvVar jaas = c.getEnv().stream()
                    .filter(e -> e.getName().equals("KAFKA_SASL_JAAS_CONFIG"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(w + ": no KAFKA_SASL_JAAS_CONFIG"));
            var ref = jaas.getValueFrom().getSecretKeyRef();
            assertEquals(user, ref.getName(), w + ": its login is the Secret Strimzi makes for KafkaUser " + user);
            assertEquals("sasl.jaas.config", ref.getKey(), w);
            assertEquals(
                    "/etc/kafka-ca/ca.crt",
                    secretFile(t, env.get("KAFKA_SSL_TRUSTSTORE_LOCATION"), cluster + "-cluster-ca-cert", "ca.crt"),
                    w + ": trusts the cluster CA");
            assertEquals("PEM", env.get("KAFKA_SSL_TRUSTSTORE_TYPE"), w);
        });
    }

    @Test
    void theKafkaUsersAreTheAccessTable() {
        // rendered from overlays/local, as an operator would apply them
        Rendered r = Rendered.of("overlays/local");
        Map<String, Set<String>> rendered = new TreeMap<>(), table = new TreeMap<>();
        for (KafkaUser u : r.all(KafkaUser.class)) {
            String name = u.getMetadata().getName();
            assertEquals("inrank", u.getMetadata().getLabels().get("strimzi.io/cluster"), name);
            assertTrue(u.getSpec().getAuthentication() instanceof KafkaUserScramSha512ClientAuthentication, name);
            Set<String> acls = new TreeSet<>();
            for (AclRule rule : ((KafkaUserAuthorizationSimple) u.getSpec().getAuthorization()).getAcls()) {
                assertTrue(rule.getHost() == null || rule.getHost().equals("*"), name + ": host " + rule.getHost());
                for (var op : rule.getOperations())
                    acls.add(resource(rule) + " " + op.toValue().toUpperCase());
            }
            rendered.put(name, acls);
            System.out.println("KafkaUser " + name + ": " + acls);
        }
        Access.SERVICES.forEach((service, grants) -> {
            Set<String> acls = new TreeSet<>();
            for (Access.Grant g : grants) for (Access.Op op : g.ops()) acls.add(key(g) + " " + op);
            table.put(service, acls);
        });
        assertEquals(table, rendered, "KafkaUsers (k8s/base/kafka/users.yaml) = protocol's Access table");
    }

    @Test
    void everyGrantIsUsedByTheCodeAndEveryTopicTheCodeTouchesIsGranted() {
        Access.SERVICES.forEach((service, grants) -> {
            Set<String> granted = new TreeSet<>();
            for (Access.Grant g : grants) granted.add(key(g));
            Set<String> used = usedBy(service);
            assertEquals(
                    granted,
                    used,
                    service + ": resources granted (protocol Access) vs used in " + service + "/src/main/java");
        });
    }

    // --- helpers

    /** What a module's sources touch on Kafka, benches aside (they run on their own broker, never in the cluster). */
    static Set<String> usedBy(String module) {
        Set<String> used = new TreeSet<>();
        Pattern topic = Pattern.compile("Topics\\.([A-Z_]+|tokens|tokensSpec|tokensPrefix)\\b");
        try (Stream<Path> files = Files.walk(Rendered.ROOT.resolve(module).resolve("src/main/java"))) {
            for (Path f : files.filter(
                            p -> p.toString().endsWith(".java") && !p.toString().contains("/bench/"))
                    .toList()) {
                String src = Rendered.read(f);
                Matcher m = topic.matcher(src);
                while (m.find()) {
                    String name = m.group(1);
                    if (name.startsWith("tokens")) {
                        used.add("topic-prefix " + Topics.tokensPrefix());
                    } else if (!name.equals("ALL")) {
                        used.add("topic " + Topics.class.getField(name).get(null));
                    }
                }
                if (src.contains("new DeadLetters(")) used.add("topic " + Topics.DEAD_LETTER);
                if (src.contains("Access.CONTROLLER_GROUP")) used.add("group " + Access.CONTROLLER_GROUP);
            }
        } catch (IOException | ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        return used;
    }

    static String key(Access.Grant g) {
        return switch (g.type()) {
            case TOPIC -> (g.prefix() ? "topic-prefix " : "topic ") + g.name();
            case GROUP -> "group " + g.name();
            default -> throw new AssertionError("grant on " + g.type());
        };
    }

    static String resource(AclRule rule) {
        if (rule.getResource() instanceof AclRuleTopicResource t)
            return (t.getPatternType().toValue().equals("prefix") ? "topic-prefix " : "topic ") + t.getName();
        if (rule.getResource() instanceof AclRuleGroupResource g) {
            assertEquals("literal", g.getPatternType().toValue());
            return "group " + g.getName();
        }
        throw new AssertionError("ACL on " + rule.getResource());
    }

    /** The file at {@code path}, checked to come from key {@code key} of Secret {@code secret}, mounted read-only. */
    static String secretFile(PodTemplateSpec t, String path, String secret, String key) {
        assertNotNull(path, "no path");
        Container c = t.getSpec().getContainers().get(0);
        var mount = c.getVolumeMounts().stream()
                .filter(m -> path.startsWith(m.getMountPath() + "/"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing above " + path));
        assertEquals(Boolean.TRUE, mount.getReadOnly(), path + " read-only");
        Volume v = t.getSpec().getVolumes().stream()
                .filter(x -> x.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow();
        assertNotNull(v.getSecret(), path + " comes from a Secret");
        assertEquals(secret, v.getSecret().getSecretName());
        String file = path.substring(mount.getMountPath().length() + 1);
        assertFalse(v.getSecret().getItems().isEmpty());
        assertTrue(
                v.getSecret().getItems().stream()
                        .anyMatch(i -> i.getKey().equals(key) && i.getPath().equals(file)),
                path + " is key " + key);
        return path;
    }
}
