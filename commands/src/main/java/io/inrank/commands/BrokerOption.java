package io.inrank.commands;

import io.inrank.protocol.KafkaClientConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --bootstrap} of the commands that talk to a broker someone runs (serve, rank-controller, the services'
 * benches): the flag, else env {@code KAFKA_BOOTSTRAP_SERVERS}, else localhost:9092, checked once as Kafka reads it (a
 * bad entry is a usage error naming it). {@link LocalBrokerOption} is the same flag for commands that start a
 * temporary broker when none is named.
 */
public final class BrokerOption {
    /** The environment variable every service and command reads for the broker (k8s sets it). */
    public static final String ENV = "KAFKA_BOOTSTRAP_SERVERS";

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private String servers;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:" + ENV + ":-localhost:9092}",
            description = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] (default: env " + ENV
                    + ", else localhost:9092).")
    void servers(String value) {
        servers = check(spec, value);
    }

    public String servers() {
        return servers;
    }

    /** {@code value} when Kafka can read it; otherwise a usage error of {@code spec}'s command. */
    public static String check(CommandSpec spec, String value) {
        try {
            return KafkaClientConfig.checkBootstrap(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--bootstrap: " + e.getMessage());
        }
    }
}
