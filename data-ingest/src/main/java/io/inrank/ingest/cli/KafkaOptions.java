package io.inrank.ingest.cli;

import io.inrank.ingest.kafka.KafkaClients;
import io.inrank.protocol.KafkaClientConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Broker options shared by the commands. */
public class KafkaOptions {
    @Option(
            names = "--bootstrap",
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

    /** Config and env first ({@code kafka.*}, {@code KAFKA_*}), then the flags; a property Kafka refuses is a usage error. */
    KafkaClients clients() {
        try {
            KafkaClientConfig c = KafkaClientConfig.fromConfig(
                            key -> ConfigProvider.getConfig().getOptionalValue(key, String.class), "localhost:9092")
                    .with(properties);
            return new KafkaClients(bootstrap == null ? c : c.withBootstrap(bootstrap), compression);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--kafka-property: " + e.getMessage());
        }
    }
}
