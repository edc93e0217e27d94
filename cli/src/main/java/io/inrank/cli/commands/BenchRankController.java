package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.commands.LocalBrokerOption;
import io.inrank.protocol.PipelineService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Unmatched;

/** Decisions/s and report-to-decision latency of the rank-controller: its module's ControllerBench. */
@Command(
        name = "rank-controller",
        description = {
            "Rank-controller decisions/s and p99 latency from report to decision.",
            "",
            "Starts a broker and a controller unless --bootstrap (then a controller must be running on it).",
            "Options: bench rank-controller --help."
        })
public final class BenchRankController implements Callable<Integer> {
    @Mixin
    LocalBrokerOption broker;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(rest)) return bench(layout, List.of("--help")).run();
        List<String> args = new ArrayList<>(rest);
        return LocalStack.withBroker(layout, broker.servers().orElse(null), stack -> stack.startController(0), bs -> {
            Passthrough.add(args, "--bootstrap", bs);
            return bench(layout, args).run();
        });
    }

    private static JavaProcess.Builder bench(Layout layout, List<String> args) {
        return JavaProcess.builder("rank-controller bench", layout.jvm())
                .heap("2g")
                .tool(layout, PipelineService.Tool.CONTROLLER_BENCH)
                .args(args);
    }
}
