package io.inrank.k8s;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every rendered object as its real type: Kubernetes (fabric8's model), Strimzi (its own API classes) and the Prometheus
 * operator (fabric8's monitoring model). These models keep fields they do not know in {@code additionalProperties}
 * instead of failing, so after parsing, the whole object graph is walked and any unknown field fails the test with its
 * path — a misspelt or misplaced field (say {@code spec.template.spec.containers[0].resource}) is caught offline.
 */
final class TypedObjects {
    private TypedObjects() {}

    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    static final Map<String, Class<? extends HasMetadata>> TYPES = Map.ofEntries(
            Map.entry("v1/Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            Map.entry("v1/ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("v1/Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1/PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class),
            Map.entry("apps/v1/Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("batch/v1/Job", io.fabric8.kubernetes.api.model.batch.v1.Job.class),
            Map.entry(
                    "autoscaling/v2/HorizontalPodAutoscaler",
                    io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class),
            Map.entry(
                    "networking.k8s.io/v1/NetworkPolicy",
                    io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class),
            Map.entry(
                    "monitoring.coreos.com/v1/PodMonitor",
                    io.fabric8.openshift.api.model.monitoring.v1.PodMonitor.class),
            Map.entry(
                    "monitoring.coreos.com/v1/PrometheusRule",
                    io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class),
            Map.entry("kafka.strimzi.io/v1beta2/Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class),
            Map.entry(
                    "kafka.strimzi.io/v1beta2/KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1beta2/KafkaUser", io.strimzi.api.kafka.model.user.KafkaUser.class));

    static HasMetadata parse(JsonNode n) {
        String key = n.path("apiVersion").asText() + "/" + n.path("kind").asText();
        String name = n.path("metadata").path("name").asText("?");
        Class<? extends HasMetadata> type = TYPES.get(key);
        if (type == null)
            throw new AssertionError(name + ": unexpected type " + key + " (known: " + TYPES.keySet() + ")");
        HasMetadata o;
        try {
            o = MAPPER.treeToValue(n, type);
        } catch (Exception e) {
            throw new AssertionError(
                    key + " " + name + " does not parse as " + type.getName() + ": " + e.getMessage(), e);
        }
        unknownFields(o, key + " " + name, Collections.newSetFromMap(new IdentityHashMap<>()));
        return o;
    }

    /** Fails on any non-empty additionalProperties in the graph under o. */
    static void unknownFields(Object o, String path, Set<Object> seen) {
        if (o == null
                || o instanceof String
                || o instanceof Number
                || o instanceof Boolean
                || o instanceof Enum<?>
                || !seen.add(o)) return;
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) unknownFields(e, path + "[" + i++ + "]", seen);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) unknownFields(e.getValue(), path + "." + e.getKey(), seen);
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8") && !pkg.startsWith("io.strimzi")) return;
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0
                    || Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) continue;
            String n = m.getName();
            if (!n.startsWith("get") || n.equals("getClass")) continue;
            Object v;
            try {
                v = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
                continue; // derived getters that need state we did not set
            }
            if (n.equals("getAdditionalProperties") && v instanceof Map<?, ?> extra) {
                if (!extra.isEmpty())
                    throw new AssertionError(path + ": unknown field(s) " + extra.keySet() + " in "
                            + o.getClass().getSimpleName());
                continue;
            }
            String field = Character.toLowerCase(n.charAt(3)) + n.substring(4);
            unknownFields(v, path + "." + field, seen);
        }
    }
}
