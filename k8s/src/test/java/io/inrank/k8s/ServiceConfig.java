package io.inrank.k8s;

import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.PipelineService;
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

/**
 * What a service really reads, from its own sources: its HTTP port property ({@code quarkus.http.port=${ENV:default}},
 * which must be what its descriptor {@link PipelineService} says)
 * and every environment variable name that reaches its configuration — MicroProfile Config's env form of each property
 * it declares or injects ({@code inrank.serve.max-queue} → {@code INRANK_SERVE_MAX_QUEUE}), explicit {@code ${NAME}}
 * placeholders, the trainer's settings table ({@code INRANK_TRAIN_*}), every Kafka client property where the service
 * builds its clients from config ({@code KAFKA_SASL_JAAS_CONFIG}, ...), and what the container image's entrypoint reads.
 */
record ServiceConfig(PipelineService service, Set<String> env) {

    static ServiceConfig of(PipelineService service) {
        String module = service.module();
        Path dir = Rendered.ROOT.resolve(module);
        Map<String, String> props = properties(dir.resolve("src/main/resources/application.properties"));
        Set<String> env = new TreeSet<>();
        props.keySet().forEach(k -> env.add(envForm(k)));
        for (String v : props.values()) placeholders(v, env);
        try (Stream<Path> files = Files.walk(dir.resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String src = Rendered.read(f);
                find(src, "@ConfigProperty\\(name\\s*=\\s*\"([^\"]+)\"", g -> env.add(envForm(g)));
                find(src, "get(?:Optional)?Value\\(\"([^\"]+)\"", g -> env.add(envForm(g)));
                find(src, "new Key\\(\\s*\"([a-z0-9-]+)\"", g -> env.add(envForm("inrank.train." + g)));
                placeholders(src, env);
                // KafkaClientConfig.fromConfig reads kafka.<name> for every Kafka client property (TLS, SASL, ...)
                if (src.contains("KafkaClientConfig.fromConfig(")) {
                    env.add(envForm("kafka.bootstrap.servers"));
                    KafkaClientConfig.CLIENT_PROPERTIES.forEach(n -> env.add(envForm("kafka." + n)));
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        find(Rendered.read(Rendered.K8S.resolve("images/Dockerfile.jvm")), "\\$([A-Z][A-Z0-9_]+)", env::add);
        find(Rendered.read(Rendered.K8S.resolve("images/entrypoint.sh")), "\\$\\{?([A-Z][A-Z0-9_]+)", env::add);
        // the service descriptor (protocol's PipelineService) is what the launcher, the benches and these checks use
        String declared = "${" + service.portEnv() + ":" + service.defaultPort() + "}";
        if (!declared.equals(props.get("quarkus.http.port")))
            throw new AssertionError(module + ": quarkus.http.port is " + props.get("quarkus.http.port")
                    + ", its descriptor (protocol's PipelineService." + service + ") says " + declared);
        return new ServiceConfig(service, env);
    }

    String module() {
        return service.module();
    }

    String portEnv() {
        return service.portEnv();
    }

    /** The port the service listens on under this environment. */
    int port(Map<String, String> containerEnv) {
        return Integer.parseInt(containerEnv.getOrDefault(service.portEnv(), String.valueOf(service.defaultPort())));
    }

    static String envForm(String property) {
        return property.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static void placeholders(String text, Set<String> env) {
        find(text, "\\$\\{([A-Z][A-Z0-9_]*)(?::|})", env::add);
    }

    private static void find(String text, String regex, java.util.function.Consumer<String> sink) {
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) sink.accept(m.group(1));
    }

    private static Map<String, String> properties(Path p) {
        Map<String, String> props = new TreeMap<>();
        for (String line : Rendered.read(p).split("\n")) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#") || !line.contains("=")) continue;
            props.put(
                    line.substring(0, line.indexOf('=')).strip(),
                    line.substring(line.indexOf('=') + 1).strip());
        }
        return props;
    }
}
