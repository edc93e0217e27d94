package io.inrank.cli.experiment;

import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.model.GptConfig;
import io.inrank.model.cli.BackendOption;
import io.inrank.protocol.cli.Commands;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank experiment}: the paper's comparison at CPU scale through the real pipeline (a local broker, the
 * built-in corpus, the rank-controller, one trainer process per arm and seed), same data order, seed and token budget
 * for every arm; then results.md and plots. Interrupted, it picks up where it stopped: finished runs are skipped and
 * an unfinished one resumes from its last checkpoint (the trainer resumes a run id).
 */
@Command(
        name = "experiment",
        mixinStandardHelpOptions = true,
        description = {
            "The InRank comparison (full, inrank, efficient, efficient with α = 0.8) through the real pipeline, with",
            "results.md and plots in --out. Rerun the same command to resume an interrupted experiment.",
            "",
            "The rank schedule maps the official code's (forward calls, 8 micro-batches per optimizer step) to optimizer",
            "steps: warmup 200 calls -> --rank-warmup 25, a check every 25 calls -> --rank-gap 3; stage 1 = 130 steps;",
            "r0 = 2; b = 100 of 768 -> --buffer scaled to d_model (33 for d = 256); α = 0.9."
        })
public final class ExperimentCommand implements Callable<Integer> {
    static final Pattern PROGRESS = Pattern.compile("progress|eval |resized|rror");

    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(names = "--preset", defaultValue = "cpu-small", description = "Model (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(
            names = "--arms",
            defaultValue = "full,inrank,efficient,efficient-a0.8",
            split = ",",
            description = "Arms (default: ${DEFAULT-VALUE}); 'fixed' is not available yet.")
    List<String> arms;

    @Option(
            names = "--seeds",
            defaultValue = "1,2",
            split = ",",
            description = "Seeds of the --seeded-arms; other arms run the first (default: ${DEFAULT-VALUE}).")
    List<Integer> seeds;

    @Option(
            names = "--seeded-arms",
            defaultValue = "full,efficient",
            split = ",",
            description = "Arms repeated for every seed (default: ${DEFAULT-VALUE}).")
    List<String> seededArms;

    @Option(
            names = "--steps",
            defaultValue = "900",
            description = "Optimizer steps per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seq", defaultValue = "128", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(
            names = "--stage1-steps",
            defaultValue = "130",
            description = "Efficient arms' stage 1 (default: ${DEFAULT-VALUE}).")
    int stage1;

    @Option(
            names = "--rank-warmup",
            defaultValue = "25",
            description = "Steps before the first rank check (default: ${DEFAULT-VALUE}).")
    int rankWarmup;

    @Option(
            names = "--rank-gap",
            defaultValue = "3",
            description = "Steps between rank checks (default: ${DEFAULT-VALUE}).")
    int rankGap;

    @Option(
            names = "--buffer",
            defaultValue = "-1",
            description = "b; -1: 100/768 of d_model (default: ${DEFAULT-VALUE}).")
    int buffer;

    @Option(
            names = "--eval-batches",
            defaultValue = "20",
            description = "Batches per evaluation (default: ${DEFAULT-VALUE}).")
    int evalBatches;

    @Option(
            names = "--out",
            defaultValue = "experiments/cpu-small",
            description = "Results directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        GptConfig cfg;
        List<Arm> parsed = new ArrayList<>();
        try {
            cfg = GptConfig.preset(preset, GptConfig.Mode.INRANK);
            for (String a : arms) parsed.add(Arm.parse(a.trim()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (steps < 1 || seeds.isEmpty() || seq > cfg.context())
            throw new ParameterException(spec.commandLine(), "--steps ≥ 1, --seeds non-empty, --seq ≤ the context");
        backend.check();
        int b = buffer >= 0 ? buffer : (int) Math.round(100.0 * cfg.dim() / 768);
        Layout layout = Layout.current();
        Files.createDirectories(out);
        List<String[]> plan = new ArrayList<>(); // arm, seed
        for (Arm a : parsed)
            for (int s : seededArms.contains(a.name()) ? seeds : List.of(seeds.get(0)))
                plan.add(new String[] {a.name(), "" + s});
        String header = String.format(
                Locale.ROOT,
                "Preset %s (%d layers, d_model %d, %d heads, T %d), %d steps of %d × %d"
                        + " tokens per run (%,d tokens), built-in corpus, backend %s. Rank schedule: r0 = 2, warmup %d steps, a check"
                        + " every %d steps, b = %d, α = 0.9 (0.8 in efficient-a0.8), stage 1 = %d steps.",
                preset,
                cfg.layers(),
                cfg.dim(),
                cfg.heads(),
                seq,
                steps,
                batch,
                seq,
                (long) steps * batch * seq,
                backend.resolved(),
                rankWarmup,
                rankGap,
                b,
                stage1);
        List<RunResult> results = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(layout, Files.createDirectories(out.resolve("stack")))) {
            System.out.print(stack.ingestBuiltIn("sotu", seq));
            stack.startController(0);
            int i = 0;
            for (String[] p : plan) {
                Arm arm = Arm.parse(p[0]);
                int seed = Integer.parseInt(p[1]);
                System.out.printf("== %d/%d %s seed %d%n", ++i, plan.size(), arm.name(), seed);
                results.add(run(layout, stack.bootstrap(), arm, seed, b));
            }
        }
        Report.write(out, cfg, header, results, batch * seq);
        System.out.println("== results: " + out.resolve("results.md"));
        return 0;
    }

    private RunResult run(Layout layout, String bs, Arm arm, int seed, int b) throws IOException {
        String run = arm.run(seed);
        Path runs = out.resolve("runs"),
                summary = runs.resolve(run + ".json"),
                checkpoints = out.resolve("checkpoints");
        Files.createDirectories(runs);
        if (Files.exists(summary)
                && RunResult.JSON.readTree(summary.toFile()).path("steps").asLong() >= steps) {
            System.out.println("   done before: " + summary);
            return RunResult.read(arm, seed, summary, checkpoints.resolve(run));
        }
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap",
                bs,
                "--run",
                run,
                "--preset",
                preset,
                "--dataset",
                "sotu",
                "--batch",
                "" + batch,
                "--seq",
                "" + seq,
                "--steps",
                "" + steps,
                "--seed",
                "" + seed,
                "--stage1-steps",
                "" + stage1,
                "--init-rank",
                "2",
                "--buffer",
                "" + b,
                "--rank-warmup",
                "" + rankWarmup,
                "--rank-gap",
                "" + rankGap,
                "--eval-every",
                "" + Math.max(1, steps / 6),
                "--eval-batches",
                "" + evalBatches,
                "--checkpoint-every",
                "" + Math.max(10, steps / 10),
                "--log-every",
                "10",
                "--checkpoint-dir",
                checkpoints.toString(),
                "--backend",
                backend.resolved(),
                "--precision",
                backend.precision()));
        args.addAll(arm.flags());
        int code;
        try (BufferedWriter log = Files.newBufferedWriter(
                runs.resolve(run + ".log"),
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            JavaProcess trainer = TrainCommand.trainer(layout, args, 0).start(summary, line -> {
                try {
                    log.write(line);
                    log.newLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (PROGRESS.matcher(line).find())
                    System.out.println("   [" + run + "] " + line.replaceFirst("^[0-9:]* INFO  \\[[^]]*\\] ", ""));
            });
            code = trainer.waitFor(Duration.ofHours(24));
        }
        if (code != 0)
            throw new Commands.BadInputException("run " + run + " failed (exit " + code + "; log "
                    + runs.resolve(run + ".log") + "); rerun the same command to resume");
        return RunResult.read(arm, seed, summary, checkpoints.resolve(run));
    }
}
