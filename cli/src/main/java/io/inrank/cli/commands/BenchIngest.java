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

/** End-to-end ingest throughput: data-ingest's own bench (options pass through), on a temporary broker by default. */
@Command(
        name = "ingest",
        description = {
            "End-to-end ingest throughput (tokenize + produce).",
            "",
            "Starts a temporary local broker unless --bootstrap. Options (--input, --size-mb, --threads, ...):",
            "bench ingest --help."
        })
public final class BenchIngest implements Callable<Integer> {
    @Mixin
    LocalBrokerOption broker;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(rest)) return IngestCommand.help(layout, "bench");
        List<String> args = new ArrayList<>(List.of("bench", "ingest"));
        args.addAll(rest);
        return LocalStack.withBroker(layout, broker.servers().orElse(null), stack -> {}, bs -> {
            Passthrough.add(args, "--bootstrap", bs);
            return ingestBench(layout, args).run();
        });
    }

    private static JavaProcess.Builder ingestBench(Layout layout, List<String> args) {
        return JavaProcess.builder("data-ingest bench", layout.jvm())
                .heap("2g")
                .jar(layout.app(PipelineService.DATA_INGEST).jar())
                .args(args);
    }
}
