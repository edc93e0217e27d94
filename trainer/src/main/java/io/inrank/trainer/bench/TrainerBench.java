package io.inrank.trainer.bench;

import io.inrank.commands.BackendOption;
import io.inrank.commands.BrokerOption;
import io.inrank.commands.Commands;
import io.inrank.commands.PresetOption;
import io.inrank.commands.bench.TrainBench;
import io.inrank.trainer.config.SettingKeys;
import io.inrank.trainer.config.TrainSettings;
import io.inrank.trainer.run.TrainingRun;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench trainer}: tokens/s of the service loop (Kafka data, metrics, steps.jsonl, checkpoints with their
 * events, optionally rank checks against a running controller) against the bare model bench at the same preset, batch,
 * sequence and active rank. Goal: ratio ≥ 0.95. Each arm runs in its own JVM ({@code --arm}); one JSON line each.
 */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description = {
            "Training tokens/s of the trainer service loop (Kafka data, metrics, checkpoints, optional rank checks) vs"
                    + " the bare model bench on the same shape, each arm in its own JVM, alternating.",
            "Prints one JSON line per arm run and a summary line."
        })
public final class TrainerBench implements Callable<Integer> {
    static final List<String> ARMS = List.of("both", "bare", "service");

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    private String bootstrap;

    // Required, not BrokerOption's localhost default: the dataset must already be on this broker (the CLI ingests it)
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            required = true,
            description = "Kafka holding --dataset (inrank bench trainer starts one and ingests it when not given).")
    void bootstrap(String servers) {
        bootstrap = BrokerOption.check(spec, servers);
    }

    @Option(
            names = "--dataset",
            paramLabel = "NAME",
            defaultValue = "sotu128",
            description = "Ingested dataset, blocks of at least --seq tokens (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Mixin
    PresetOption preset;

    @Option(
            names = "--batch",
            paramLabel = "B",
            defaultValue = "8",
            description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seq",
            paramLabel = "T",
            defaultValue = "128",
            description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(
            names = "--steps",
            paramLabel = "N",
            defaultValue = "40",
            description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            defaultValue = "5",
            description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--checkpoint-every",
            paramLabel = "N",
            defaultValue = "20",
            description = "Service arm: a checkpoint (and its event) every N steps (default: ${DEFAULT-VALUE}).")
    int ckpt;

    @Option(
            names = "--rank-checks",
            description =
                    "Service arm: spectra to a running rank-controller every 5 steps after the warm-up, waiting for"
                            + " its decisions.")
    boolean rankChecks;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "2",
            description = "Alternating bare, service pairs averaged (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--arm",
            paramLabel = "ARM",
            defaultValue = "both",
            description = "both: run each arm in its own JVM and compare; bare or service: run that arm here (what"
                    + " 'both' starts) (default: ${DEFAULT-VALUE}).")
    String arm;

    public static void main(String[] args) {
        Commands.exit(new TrainerBench(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (!ARMS.contains(arm))
            throw new ParameterException(
                    spec.commandLine(), "--arm: expected one of " + String.join(", ", ARMS) + ", got '" + arm + "'");
        if (batch < 1 || seq < 1 || steps < 1 || warmup < 0 || ckpt < 1 || rounds < 1)
            throw new ParameterException(
                    spec.commandLine(),
                    "--batch, --seq, --steps, --checkpoint-every and --rounds must be at least 1, --warmup at least 0");
        // Fails here, before the first arm's JVM, when the backend cannot run on this machine.
        backend.check();
        Path dir = Path.of(
                System.getProperty("java.io.tmpdir"),
                "inrank-trainer-bench-" + ProcessHandle.current().pid());
        String run = "bench-" + System.currentTimeMillis();
        TrainSettings s = SettingKeys.resolve(
                new String[] {
                    "--run",
                    run,
                    "--preset",
                    preset.name(),
                    "--dataset",
                    dataset,
                    "--batch",
                    "" + batch,
                    "--seq",
                    "" + seq,
                    "--steps",
                    "" + (warmup + steps),
                    "--eval-splits",
                    "",
                    "--checkpoint-every",
                    "" + ckpt,
                    "--checkpoint-dir",
                    dir.toString(),
                    "--log-every",
                    "1000",
                    "--rank-warmup",
                    rankChecks ? "" + warmup : "" + (warmup + steps + 1),
                    "--rank-gap",
                    "5",
                    "--decision-timeout-ms",
                    "10000",
                    "--bootstrap",
                    bootstrap,
                    "--backend",
                    backend.options().name()
                },
                k -> Optional.empty());
        int k = s.initRank() + s.bufferFor(s.model());
        PrintWriter out = spec.commandLine().getOut();
        if (arm.equals("both")) {
            compare(out, k);
            return 0;
        }
        if (arm.equals("bare")) {
            out.println(
                    TrainBench.run(backend.open(), preset.name(), "efficient-no-resize", k, batch, seq, steps, warmup)
                            .json());
            out.flush();
            return 0;
        }
        Files.createDirectories(dir);
        long[] clock = new long[2];
        try (TrainingRun r = new TrainingRun(s, new SimpleMeterRegistry())) {
            r.onStep((step, loss) -> {
                if (step == warmup) clock[0] = System.nanoTime();
                clock[1] = System.nanoTime();
            });
            r.run();
        } finally {
            deleteTree(dir);
        }
        double ms = (clock[1] - clock[0]) / 1e6 / steps;
        out.printf(
                Locale.ROOT,
                "{\"bench\":\"trainer-service\",\"preset\":\"%s\",\"batch\":%d,\"seq\":%d,\"active_modes\":%d,"
                        + "\"checkpoint_every\":%d,\"rank_checks\":%b,\"step_ms\":%.1f,\"tokens_per_s\":%.0f}%n",
                preset.name(),
                batch,
                seq,
                k,
                ckpt,
                rankChecks,
                ms,
                batch * seq / (ms / 1000));
        out.flush();
        return 0;
    }

    /**
     * Each arm in a fresh JVM, alternating (bare, service, bare, service, …): within one JVM the second workload runs
     * on JIT code profiled by the first, which skews either arm (measured: trainer/README.md).
     */
    private void compare(PrintWriter out, int k) throws Exception {
        double bare = 0, service = 0;
        for (int i = 0; i < rounds; i++) {
            bare += stepMs(child("bare", out));
            service += stepMs(child("service", out));
        }
        bare /= rounds;
        service /= rounds;
        double tokens = (double) batch * seq;
        out.printf(
                Locale.ROOT,
                "{\"bench\":\"trainer\",\"preset\":\"%s\",\"batch\":%d,\"seq\":%d,\"steps\":%d,\"rounds\":%d,"
                        + "\"active_modes\":%d,\"checkpoint_every\":%d,\"rank_checks\":%b,\"service_step_ms\":%.1f,"
                        + "\"service_tokens_per_s\":%.0f,\"bare_step_ms\":%.1f,\"bare_tokens_per_s\":%.0f,\"ratio\":%.3f}%n",
                preset.name(),
                batch,
                seq,
                steps,
                rounds,
                k,
                ckpt,
                rankChecks,
                service,
                tokens / (service / 1000),
                bare,
                tokens / (bare / 1000),
                bare / service);
        out.flush();
    }

    /** The options an arm's JVM gets: this run's, resolved, so both arms and every round measure the same config. */
    List<String> armArgs(String arm) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap",
                bootstrap,
                "--backend",
                backend.options().name(),
                "--precision",
                backend.options().precision().label(),
                "--dataset",
                dataset,
                "--preset",
                preset.name(),
                "--batch",
                "" + batch,
                "--seq",
                "" + seq,
                "--steps",
                "" + steps,
                "--warmup",
                "" + warmup,
                "--checkpoint-every",
                "" + ckpt));
        if (rankChecks) args.add("--rank-checks");
        args.addAll(List.of("--arm", arm));
        return args;
    }

    private String child(String arm, PrintWriter out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                TrainerBench.class.getName()));
        cmd.addAll(armArgs(arm));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String text = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException(arm + " arm failed: " + text);
        String line =
                text.lines().filter(l -> l.startsWith("{")).reduce((x, y) -> y).orElseThrow();
        out.println(line);
        out.flush();
        return line;
    }

    private static double stepMs(String json) {
        var m = java.util.regex.Pattern.compile("\"step_ms\":([0-9.]+)").matcher(json);
        if (!m.find()) throw new IllegalStateException("no step_ms in " + json);
        return Double.parseDouble(m.group(1));
    }

    private static void deleteTree(Path dir) throws Exception {
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(dir)) {
            s.forEach(all::add);
        }
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path p : all) Files.deleteIfExists(p);
    }
}
