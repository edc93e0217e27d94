package io.inrank.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One kustomization rendered by {@code kubectl kustomize} (client-side, offline), each object parsed as its type
 * ({@link TypedObjects}).
 */
final class Rendered {
    static final Path K8S = Path.of(System.getProperty("user.dir")); // the module directory, k8s/
    static final Path ROOT = K8S.getParent();
    private static final Map<String, Rendered> CACHE = new LinkedHashMap<>();

    final String name;
    final List<JsonNode> raw;
    final List<HasMetadata> objects;

    private Rendered(String name, List<JsonNode> raw, List<HasMetadata> objects) {
        this.name = name;
        this.raw = raw;
        this.objects = objects;
    }

    /** @param dir relative to k8s/, e.g. overlays/local */
    static synchronized Rendered of(String dir) {
        return CACHE.computeIfAbsent(dir, d -> {
            String yaml = kustomize(K8S.resolve(d));
            try {
                List<JsonNode> docs = new ArrayList<>();
                try (var it = new YAMLMapper()
                        .readerFor(JsonNode.class)
                        .<JsonNode>readValues(new YAMLFactory().createParser(yaml))) {
                    while (it.hasNext()) {
                        JsonNode n = it.next();
                        if (n != null && !n.isNull() && !n.isEmpty()) docs.add(n);
                    }
                }
                List<HasMetadata> typed = new ArrayList<>();
                for (JsonNode n : docs) typed.add(TypedObjects.parse(n));
                return new Rendered(d, docs, typed);
            } catch (IOException e) {
                throw new AssertionError(d + ": kubectl kustomize output does not parse as YAML: " + e.getMessage(), e);
            }
        });
    }

    static String kustomize(Path dir) {
        String kubectl = System.getenv().getOrDefault("KUBECTL", "kubectl");
        try {
            Process p = new ProcessBuilder(kubectl, "kustomize", dir.toString())
                    .redirectErrorStream(false)
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new AssertionError("kubectl kustomize " + dir + " failed:\n" + err);
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(
                    "kubectl is needed to render the manifests (.ci/run installs Debian's kubernetes-client "
                            + "when it is missing; or set KUBECTL): " + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
        return all(type).stream()
                .filter(o -> o.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(this.name + ": no " + type.getSimpleName() + " named " + name));
    }

    /** Pod templates of the workloads, by workload name. */
    Map<String, PodTemplateSpec> podTemplates() {
        Map<String, PodTemplateSpec> t = new TreeMap<>();
        for (Deployment d : all(Deployment.class))
            t.put(d.getMetadata().getName(), d.getSpec().getTemplate());
        for (Job j : all(Job.class))
            t.put(j.getMetadata().getName(), j.getSpec().getTemplate());
        return t;
    }

    /** A container's environment: its envFrom ConfigMaps (from this rendering), then its own env entries. */
    Map<String, String> env(io.fabric8.kubernetes.api.model.Container c) {
        Map<String, String> env = new TreeMap<>();
        if (c.getEnvFrom() != null) {
            for (var from : c.getEnvFrom()) {
                String cm = from.getConfigMapRef() == null
                        ? null
                        : from.getConfigMapRef().getName();
                if (cm == null)
                    throw new AssertionError(
                            name + ": " + c.getName() + " takes env from something other than a ConfigMap");
                env.putAll(configMap(cm).getData());
            }
        }
        if (c.getEnv() != null) for (var e : c.getEnv()) env.put(e.getName(), e.getValue());
        return env;
    }

    ConfigMap configMap(String cm) {
        return all(ConfigMap.class).stream()
                .filter(m -> m.getMetadata().getName().equals(cm))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError(name + ": ConfigMap " + cm + " is referenced but not rendered here"));
    }

    /** Object counts by kind, as printed by the tests. */
    Map<String, Integer> counts() {
        Map<String, Integer> c = new TreeMap<>();
        for (HasMetadata o : objects) c.merge(o.getKind(), 1, Integer::sum);
        return c;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(p + ": " + e.getMessage(), e);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
}
