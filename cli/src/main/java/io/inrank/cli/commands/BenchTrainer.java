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
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * The trainer's service loop (Kafka data, metrics, checkpoints and events) against the bare model bench: the trainer
 * module's TrainerBench, with a broker, the built-in corpus and (for --rank-checks) a controller started here.
 */
@Command(
        name = "trainer",
        description = {
            "The trainer service loop against the bare model bench (goal: ratio >= 0.95).",
            "",
            "Each arm in its own JVM. Starts a broker (+ a rank-controller with --rank-checks) unless --bootstrap.",
            "Options: bench trainer --help."
        })
public final class BenchTrainer implements Callable<Integer> {
    @Mixin
    LocalBrokerOption broker;

    @Option(names = "--dataset", description = "The ingested dataset (default: the built-in corpus as sotu<seq>).")
    String dataset;

    @Option(names = "--seq", defaultValue = "128", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--rank-checks", description = "Include InRank's rank checks (needs a rank-controller).")
    boolean rankChecks;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(rest)) return bench(layout, List.of("--help")).run();
        List<String> args = new ArrayList<>(rest);
        Passthrough.add(args, "--seq", seq);
        if (rankChecks) args.add("--rank-checks");
        String d = dataset != null ? dataset : "sotu" + seq;
        Passthrough.add(args, "--dataset", d);
        LocalStack.Setup setup = stack -> {
            stack.ingestBuiltIn(d, seq, "train");
            if (rankChecks) stack.startController(0);
        };
        return LocalStack.withBroker(layout, broker.servers().orElse(null), setup, bs -> {
            Passthrough.add(args, "--bootstrap", bs);
            return bench(layout, args).run();
        });
    }

    private static JavaProcess.Builder bench(Layout layout, List<String> args) {
        return JavaProcess.builder("trainer bench", layout.jvm())
                .heap("2g")
                .tool(layout, PipelineService.Tool.TRAINER_BENCH)
                .args(args);
    }
}
