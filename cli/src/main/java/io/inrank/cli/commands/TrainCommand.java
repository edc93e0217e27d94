package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalReplicas;
import io.inrank.cli.launch.LocalStack;
import io.inrank.commands.BackendOption;
import io.inrank.commands.LocalBrokerOption;
import io.inrank.protocol.PipelineService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * One training run: the trainer service's own settings table (every {@code --name value} of {@code train --help}) is
 * passed through; the options here are the ones the CLI acts on before starting it.
 */
@Command(
        name = "train",
        description = {
            "One training run (full | cumulative | efficient | efficient-no-resize); resumes from its own checkpoints.",
            "",
            "Without --bootstrap: a temporary local broker with the built-in corpus ingested at --seq, and a"
                    + " rank-controller.",
            "All run settings (--run, --mode, --steps, ...): train --help; --dry-run prints them resolved."
        })
public final class TrainCommand implements Callable<Integer> {
    @Mixin
    LocalBrokerOption broker;

    @Option(names = "--dataset", defaultValue = "sotu", description = "Dataset to train on (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--seq", defaultValue = "128", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--port", description = "HTTP port of /q/metrics, /q/health and /run (default 8083; 0 = any).")
    Integer port;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--world-size",
            paramLabel = "N",
            defaultValue = "1",
            description = "Data-parallel replicas of the run, one GPU each (--backend cuda; --batch is the global"
                    + " batch). Started and stopped together; the group restarts from the last checkpoint when one"
                    + " fails (default ${DEFAULT-VALUE}).")
    int worldSize;

    @Option(
            names = "--max-restarts",
            paramLabel = "N",
            defaultValue = "3",
            description = "With --world-size: group restarts after a replica fails (default ${DEFAULT-VALUE}).")
    int maxRestarts;

    @Unmatched
    List<String> settings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(settings)) {
            // the settings table from a plain main: no service starts for help
            return JavaProcess.builder("trainer-help", layout.jvm())
                    .tool(layout, PipelineService.Tool.TRAIN_HELP)
                    .run();
        }
        backend.check(); // before any broker starts: a run that cannot train here fails at once
        if (worldSize < 1 || worldSize > 1024 || maxRestarts < 0) {
            System.err.println("error: --world-size must be 1..1024 and --max-restarts >= 0");
            return 2;
        }
        List<String> args = new ArrayList<>(settings);
        Passthrough.add(args, "--dataset", dataset);
        Passthrough.add(args, "--seq", seq);
        args.addAll(backend.options().arguments());
        String bootstrap = broker.servers().orElse(null);
        if (settings.contains("--dry-run")) { // a dry run needs no broker
            Passthrough.add(args, "--bootstrap", bootstrap);
            if (worldSize > 1) {
                Passthrough.add(args, "--world-size", worldSize);
            }
            return trainer(layout, args, 0).run();
        }
        // the trainer checks its own settings first (a second): a typo, or replicas on a backend without collectives,
        // must not cost a broker start, an ingest or N processes
        List<String> check = new ArrayList<>(args);
        if (worldSize > 1) check.addAll(List.of("--world-size", "" + worldSize));
        if (bootstrap != null) check.addAll(List.of("--bootstrap", bootstrap));
        int checked = dryRun(layout, check);
        if (checked != 0) return checked;
        if (bootstrap != null) {
            Passthrough.add(args, "--bootstrap", bootstrap);
            return launch(layout, args, port);
        }
        System.err.printf(
                "inrank train: no --bootstrap: starting a local broker and ingesting the built-in corpus as '%s'"
                        + " (blocks of %d)%n",
                dataset, seq);
        // and the rank-controller: an InRank run's checks need their answers (without them the ranks stay put and,
        // after --max-missed-checks in a row, the run stops)
        return LocalStack.withBroker(
                layout,
                null,
                stack -> {
                    stack.ingestBuiltIn(dataset, seq);
                    stack.startController(0);
                },
                bs -> {
                    Passthrough.add(args, "--bootstrap", bs);
                    return launch(layout, args, port != null ? port : 0);
                });
    }

    /** One trainer in the foreground, or the replicas of a data-parallel run (replica 0 on --port, the others any). */
    private int launch(Layout layout, List<String> args, Integer replica0Port) throws Exception {
        if (worldSize == 1) return trainer(layout, args, replica0Port).run();
        return LocalReplicas.run(
                worldSize,
                maxRestarts,
                args,
                layout.work("replicas"),
                i -> trainer(layout, List.of(), i == 0 ? replica0Port : Integer.valueOf(0)));
    }

    /** The trainer's --dry-run on these settings: 0, or its exit code after printing its refusal. */
    static int dryRun(Layout layout, List<String> settings) throws Exception {
        List<String> args = new ArrayList<>(settings);
        args.add("--dry-run");
        Path out = Files.createTempFile("inrank-train-check", ".json");
        List<String> refusal = new ArrayList<>();
        try {
            int code = trainer(layout, args, 0).start(out, refusal::add).waitFor(Duration.ofMinutes(2));
            // the refusal itself, without the service's start-up lines around it
            List<String> errors =
                    refusal.stream().filter(l -> l.startsWith("error:")).toList();
            if (code != 0) (errors.isEmpty() ? refusal : errors).forEach(System.err::println);
            return code;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The trainer process as the CLI starts it everywhere (train, demo, the pipeline test); port null = its default. */
    public static JavaProcess.Builder trainer(Layout layout, List<String> args, Integer port) {
        JavaProcess.Builder b = JavaProcess.builder("trainer", layout.jvm())
                .jar(layout.app(PipelineService.TRAINER).jar())
                .args(args);
        if (port != null) b.property("quarkus.http.port", port);
        return b;
    }
}
