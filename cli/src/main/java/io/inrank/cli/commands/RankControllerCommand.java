package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.commands.BrokerOption;
import io.inrank.protocol.PipelineService;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The rank-controller service in the foreground (the same jar and settings as its container). */
@Command(
        name = "rank-controller",
        mixinStandardHelpOptions = true,
        description = "The rank-decision service: spectra in, decisions out; REST /runs, /q/health, /q/metrics.")
public final class RankControllerCommand implements Callable<Integer> {
    @Mixin
    BrokerOption broker;

    @Option(
            names = "--port",
            defaultValue = PipelineService.Ports.RANK_CONTROLLER,
            description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() {
        Layout layout = Layout.current();
        return JavaProcess.builder("rank-controller", layout.jvm())
                .heap("1g")
                .property("kafka.bootstrap.servers", broker.servers())
                .property("quarkus.http.port", port)
                .jar(layout.app(PipelineService.RANK_CONTROLLER).jar())
                .run();
    }
}
