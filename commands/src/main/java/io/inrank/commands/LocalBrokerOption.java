package io.inrank.commands;

import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --bootstrap} of the commands that start a temporary local broker when none is named (train, bench trainer,
 * bench ingest, bench rank-controller): the flag, else env {@code KAFKA_BOOTSTRAP_SERVERS}, else none; checked like
 * {@link BrokerOption}.
 */
public final class LocalBrokerOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private String servers;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:" + BrokerOption.ENV + "}",
            description = "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] (default: env " + BrokerOption.ENV
                    + ", else a temporary local broker this command starts and stops).")
    void servers(String value) {
        servers = value == null || value.isBlank() ? null : BrokerOption.check(spec, value);
    }

    /** The named broker; empty: start a local one. */
    public Optional<String> servers() {
        return Optional.ofNullable(servers);
    }
}
