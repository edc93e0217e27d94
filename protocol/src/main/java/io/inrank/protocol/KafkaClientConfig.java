package io.inrank.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * How every service connects to Kafka: the bootstrap address plus any client property the operator sets (TLS, SASL,
 * timeouts, …). The one place that builds admin, producer and consumer configs, so a secured cluster needs settings,
 * not code.
 *
 * <p>Properties come from config keys {@code kafka.<client property>} — in a Quarkus service also the env variables
 * {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_JAAS_CONFIG}, … — looked up for every name Kafka's own producer,
 * consumer and admin configs define; each client gets the ones it knows. What the operator sets wins over this code's
 * defaults, except the (de)serializers, which the byte-array pipeline depends on.
 *
 * <p>{@link #toString()} never shows values: {@code sasl.jaas.config} carries a password.
 */
public record KafkaClientConfig(String bootstrap, Map<String, String> properties) {

    /** Every property a Kafka client accepts, by name. */
    public static final Set<String> CLIENT_PROPERTIES;

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private static final Set<String> FIXED = Set.of(
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);

    static {
        Set<String> all = new TreeSet<>();
        all.addAll(ProducerConfig.configNames());
        all.addAll(ConsumerConfig.configNames());
        all.addAll(AdminClientConfig.configNames());
        CLIENT_PROPERTIES = Set.copyOf(all);
    }

    public KafkaClientConfig {
        checkBootstrap(bootstrap);
        properties = Map.copyOf(properties == null ? Map.of() : properties);
        for (String k : properties.keySet()) {
            if (FIXED.contains(k)) throw new IllegalArgumentException("the Kafka property " + k + " cannot be set");
            // refused rather than dropped: a typo in a security setting must not silently mean "plaintext"
            if (!CLIENT_PROPERTIES.contains(k))
                throw new IllegalArgumentException("unknown Kafka client property " + k);
        }
    }

    /**
     * Bootstrap servers as Kafka reads them: comma-separated {@code HOST:PORT} (an IPv6 host in brackets, an optional
     * {@code PROTOCOL://} prefix), each port 1–65535. Checked where the value enters (flag, env, config) so a typo is one
     * line naming the entry, not a client that retries an unparsable address until its timeout.
     */
    public static String checkBootstrap(String servers) {
        if (servers == null || servers.isBlank()) throw new IllegalArgumentException("no Kafka bootstrap servers");
        for (String entry : servers.split(",", -1)) {
            String e = entry.strip();
            String host = Utils.getHost(e);
            if (host == null || host.isEmpty())
                throw new IllegalArgumentException("'" + e + "' in " + servers + " is not HOST:PORT");
            String port = e.substring(e.lastIndexOf(':') + 1); // digits: Kafka's pattern matched
            if (port.length() > 5 || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)
                throw new IllegalArgumentException("'" + e + "' in " + servers + ": port " + port + " is not 1-65535");
        }
        return servers;
    }

    /** A plain connection: no security, Kafka's defaults. */
    public static KafkaClientConfig of(String bootstrap) {
        return new KafkaClientConfig(bootstrap, Map.of());
    }

    /**
     * From a config lookup by key: {@code kafka.bootstrap.servers} (else {@code defaultBootstrap}) and
     * {@code kafka.<name>} for every Kafka client property name.
     */
    public static KafkaClientConfig fromConfig(Function<String, Optional<String>> lookup, String defaultBootstrap) {
        Map<String, String> props = new LinkedHashMap<>();
        for (String name : CLIENT_PROPERTIES) {
            if (FIXED.contains(name)) continue;
            lookup.apply("kafka." + name).filter(v -> !v.isBlank()).ifPresent(v -> props.put(name, v));
        }
        return new KafkaClientConfig(
                lookup.apply("kafka.bootstrap.servers")
                        .filter(v -> !v.isBlank())
                        .orElse(defaultBootstrap),
                props);
    }

    /** This config with other bootstrap servers (a CLI flag over the config). */
    public KafkaClientConfig withBootstrap(String other) {
        return new KafkaClientConfig(other, properties);
    }

    /** This config with more properties (later ones win), e.g. from {@code --kafka-property}. */
    public KafkaClientConfig with(Map<String, String> more) {
        Map<String, String> m = new HashMap<>(properties);
        m.putAll(more);
        return new KafkaClientConfig(bootstrap, m);
    }

    public Map<String, Object> adminConfig(String clientId, Map<String, Object> defaults) {
        return build(clientId, defaults, AdminClientConfig.configNames());
    }

    public Map<String, Object> producerConfig(String clientId, Map<String, Object> defaults) {
        return build(clientId, defaults, ProducerConfig.configNames());
    }

    public Map<String, Object> consumerConfig(String clientId, Map<String, Object> defaults) {
        return build(clientId, defaults, ConsumerConfig.configNames());
    }

    public Admin admin(String clientId) {
        return Admin.create(adminConfig(clientId, Map.of()));
    }

    /**
     * The producer for pipeline records: idempotent with acks=all (a retry neither duplicates nor reorders within the
     * one partition), lz4, no linger (reports and decisions wait on each other, so batching only adds latency).
     */
    public KafkaProducer<byte[], byte[]> reliableProducer(String clientId) {
        return reliableProducer(clientId, Map.of());
    }

    /** The same with more defaults of the caller's (e.g. tighter timeouts); the operator's settings still win. */
    public KafkaProducer<byte[], byte[]> reliableProducer(String clientId, Map<String, Object> more) {
        Map<String, Object> d = new HashMap<>(Map.of(
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.LINGER_MS_CONFIG,
                0));
        d.putAll(more);
        return producer(clientId, d);
    }

    public KafkaProducer<byte[], byte[]> producer(String clientId, Map<String, Object> defaults) {
        return new KafkaProducer<>(
                producerConfig(clientId, defaults), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer; without {@code group.id} in the defaults the caller assigns partitions and seeks itself. */
    public KafkaConsumer<byte[], byte[]> consumer(String clientId, Map<String, Object> defaults) {
        Map<String, Object> d = new HashMap<>(defaults);
        d.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        d.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return new KafkaConsumer<>(
                consumerConfig(clientId, d), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Map<String, Object> build(String clientId, Map<String, Object> defaults, Set<String> known) {
        Map<String, Object> m = new HashMap<>(defaults);
        m.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // numbered: two clients with one id in a JVM collide in JMX; the prefix names the service in broker logs
        m.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId + "-" + CLIENTS.incrementAndGet());
        properties.forEach((k, v) -> {
            if (known.contains(k)) m.put(k, v);
        });
        return m;
    }

    /** What logs and {@code --dry-run} show: the bootstrap and the names of the properties set, no values. */
    @JsonValue
    public Map<String, Object> redacted() {
        return Map.of("bootstrap", bootstrap, "properties", new TreeSet<>(properties.keySet()));
    }

    @Override
    public String toString() {
        return "KafkaClientConfig[bootstrap=" + bootstrap + ", properties=" + new TreeSet<>(properties.keySet()) + "]";
    }
}
