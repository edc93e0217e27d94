package io.inrank.ingest.cli;

import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.protocol.KafkaClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Broker options shared by the commands. */
public class KafkaOptions {
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: config kafka.bootstrap.servers, "
                    + "env KAFKA_BOOTSTRAP_SERVERS, else localhost:9092).")
    String bootstrap;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description = "Any Kafka client property, e.g. security.protocol=SASL_SSL (repeatable).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(
            names = "--compression",
            defaultValue = "lz4",
            description = "Producer compression: none, lz4, zstd, snappy, gzip (default ${DEFAULT-VALUE}).")
    String compression;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /**
     * Config and env first ({@code kafka.*}, {@code KAFKA_*}), then the flags; a bootstrap address or a property Kafka
     * cannot read is a usage error naming where it came from.
     */
    KafkaClients clients() {
        var config = ConfigProvider.getConfig();
        String servers = bootstrap != null
                ? bootstrap
                : config.getOptionalValue("kafka.bootstrap.servers", String.class)
                        .filter(v -> !v.isBlank())
                        .orElse("localhost:9092");
        try {
            KafkaClientConfig.checkBootstrap(servers);
        } catch (IllegalArgumentException e) {
            String from = bootstrap != null ? "--bootstrap" : "kafka.bootstrap.servers (env KAFKA_BOOTSTRAP_SERVERS)";
            throw new ParameterException(spec.commandLine(), from + ": " + e.getMessage());
        }
        try {
            KafkaClientConfig c = KafkaClientConfig.fromConfig(
                            key -> key.equals("kafka.bootstrap.servers")
                                    ? Optional.of(servers)
                                    : config.getOptionalValue(key, String.class),
                            servers)
                    .with(properties);
            return new KafkaClients(c, compression);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--kafka-property: " + e.getMessage());
        }
    }
}
