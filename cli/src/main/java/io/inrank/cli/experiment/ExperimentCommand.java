package io.inrank.cli.experiment;

import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.commands.BackendOption;
import io.inrank.commands.Commands;
import io.inrank.model.GptConfig;
import java.io.BufferedWriter;
import java.io.IOException;
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
        subcommands = RuleAtInitCommand.class,
        description = {
            "The InRank comparison through the real pipeline, with results.md and plots in --out. Rerun the same",
            "command to resume an interrupted experiment. Arms: full (dense MLP); cumulative (the paper's InRank: frozen",
            "W_0 + a low-rank update of growing rank); efficient (factored MLP, ranks grown in stage 1, then resized);",
            "efficient-no-resize (factored, ranks grown all run); fixed (factored from scratch at the ranks the",
            "efficient arm of its seed ended with); fixed-N (every layer at rank N); efficient-aX (α = X).",
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

    @Mixin
    ExperimentPreset model;

    @Option(
            names = "--arms",
            defaultValue =
                    "full,cumulative,efficient,efficient-no-resize,fixed,fixed-128,efficient-a0.8,cumulative-orthogonal",
            split = ",",
            description = "Arms, run in this order (default: ${DEFAULT-VALUE}); 'fixed' runs after 'efficient'.")
    List<String> arms;

    @Option(
            names = "--seeds",
            defaultValue = "1,2,3",
            split = ",",
            description = "Seeds of the --seeded-arms; other arms run the first (default: ${DEFAULT-VALUE}).")
    List<Integer> seeds;

    @Option(
            names = "--seeded-arms",
            defaultValue = "full,efficient,cumulative:2",
            split = ",",
            description = "Arms repeated for every seed, or ARM:N for the first N seeds (default: ${DEFAULT-VALUE}).")
    List<String> seededArms;

    @Option(
            names = "--steps",
            defaultValue = "900",
            description = "Optimizer steps per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--accumulation",
            defaultValue = "1",
            description = "Micro-batches of --batch per optimizer step (default: ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--lr", defaultValue = "6e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(
            names = "--warmup-steps",
            defaultValue = "30",
            description = "Linear LR warmup, then linear decay to 0 (default: ${DEFAULT-VALUE}).")
    int warmupSteps;

    @Option(
            names = "--source",
            defaultValue = "sotu",
            description = "Corpus: the built-in 'sotu' (default), a WikiText-103 zip, directory or parquet folder, or a"
                    + " text file (as `inrank ingest --source`).")
    String source;

    @Option(
            names = "--download",
            description = "Use WikiText-103 (raw) from the Hugging Face hub instead of --source: downloaded once into"
                    + " the cache, checksums verified; fails clearly offline.")
    boolean download;

    @Option(
            names = "--dataset",
            description = "Dataset name (default: sotu for the built-in corpus, wikitext-103 with --download; needed"
                    + " with a --source path).")
    String dataset;

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
            names = "--results-only",
            description = "Rewrite results.md and the plots from the runs already finished in --out; train nothing.")
    boolean reportOnly;

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
            cfg = GptConfig.preset(model.name(), GptConfig.Mode.INRANK);
            for (String a : arms) parsed.add(Arm.parse(a.trim()));
            for (Arm a : parsed)
                if (a.fixedRank() > cfg.maxRank())
                    throw new IllegalArgumentException(
                            "arm " + a.name() + ": rank above R_max = " + cfg.maxRank() + " of preset " + model.name());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (steps < 1 || seeds.isEmpty() || seq > cfg.context())
            throw new ParameterException(spec.commandLine(), "--steps ≥ 1, --seeds non-empty, --seq ≤ the context");
        if (batch < 1 || accumulation < 1 || lr <= 0 || warmupSteps < 0)
            throw new ParameterException(
                    spec.commandLine(), "--batch, --accumulation ≥ 1, --lr > 0, --warmup-steps ≥ 0");
        if (dataset == null) {
            if (download) dataset = "wikitext-103";
            else if (source.equals("sotu")) dataset = "sotu";
            else throw new ParameterException(spec.commandLine(), "--dataset NAME is needed with --source " + source);
        }
        backend.check();
        int b = buffer >= 0 ? buffer : (int) Math.round(100.0 * cfg.dim() / 768);
        Layout layout = Layout.current();
        Files.createDirectories(out);
        List<String[]> plan = new ArrayList<>(); // arm, seed
        for (boolean fixedPass : new boolean[] {false, true}) // fixed needs the efficient arm's final ranks
        for (Arm a : parsed)
                if (a.fixed() == fixedPass) for (int s : seedsOf(a)) plan.add(new String[] {a.name(), "" + s});
        for (String[] p : plan)
            if (p[0].equals("fixed") && plan.stream().noneMatch(q -> q[0].equals("efficient") && q[1].equals(p[1])))
                throw new ParameterException(
                        spec.commandLine(),
                        "arm 'fixed' with seed " + p[1] + " needs arm 'efficient' with that seed (its final ranks)");
        String header = String.format(
                Locale.ROOT,
                "Preset %s (%d layers, d_model %d, %d heads, T %d), %d steps of %d × %d"
                        + " tokens per run (%,d tokens), dataset %s, lr %.1e (warmup %d steps, then linear decay), backend"
                        + " %s. Rank schedule: r0 = 2, warmup %d steps, a check"
                        + " every %d steps, b = %d, α = 0.9 (0.8 in efficient-a0.8), stage 1 = %d steps; fixed ="
                        + " the efficient arm's final ranks, trained from scratch; fixed-N: every layer at rank N;"
                        + " cumulative: W_0 (GPT-2's init, frozen) + a low-rank update grown by the same rule. The"
                        + " official code counts its warmup"
                        + " (200) and gap (25) in forward calls at 8 micro-batches per optimizer step, i.e. about 25 and"
                        + " 3 optimizer steps, and its b = 100 is for d_model = 768; here b is scaled to d_model.",
                model.name(),
                cfg.layers(),
                cfg.dim(),
                cfg.heads(),
                seq,
                steps,
                batch * accumulation,
                seq,
                (long) steps * batch * accumulation * seq,
                dataset,
                lr,
                warmupSteps,
                backend.options().name(),
                rankWarmup,
                rankGap,
                b,
                stage1);
        List<RunResult> results = new ArrayList<>();
        if (reportOnly) {
            for (String[] p : plan) {
                Arm arm = Arm.parse(p[0]);
                int seed = Integer.parseInt(p[1]);
                Path summary = out.resolve("runs").resolve(arm.run(seed) + ".json");
                if (Files.exists(summary)
                        && RunResult.JSON
                                        .readTree(summary.toFile())
                                        .path("steps")
                                        .asLong()
                                >= steps)
                    results.add(RunResult.read(
                            arm, seed, summary, out.resolve("checkpoints").resolve(arm.run(seed))));
                else System.out.println("   not finished, left out: " + arm.run(seed));
            }
            if (results.isEmpty()) throw new Commands.BadInputException("no finished run in " + out);
            Report.write(out, cfg, header, results, batch * accumulation * seq, b);
            System.out.println("== results: " + out.resolve("results.md"));
            return 0;
        }
        try (LocalStack stack = LocalStack.start(layout, Files.createDirectories(out.resolve("stack")))) {
            System.out.print(stack.ingest(ingestArgs()));
            stack.startController(0);
            int i = 0;
            for (String[] p : plan) {
                Arm arm = Arm.parse(p[0]);
                int seed = Integer.parseInt(p[1]);
                System.out.printf("== %d/%d %s seed %d%n", ++i, plan.size(), arm.name(), seed);
                results.add(run(layout, stack.bootstrap(), arm, seed, b, fixedRanks(arm, seed, results)));
            }
        }
        Report.write(out, cfg, header, results, batch * accumulation * seq, b);
        System.out.println("== results: " + out.resolve("results.md"));
        return 0;
    }

    /** The seeds an arm runs: all (named in --seeded-arms), the first N (ARM:N), or the first. */
    private List<Integer> seedsOf(Arm a) {
        for (String s : seededArms) {
            String[] p = s.trim().split(":", 2);
            if (!p[0].equals(a.name())) continue;
            if (p.length == 1) return seeds;
            int n;
            try {
                n = Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) throw new ParameterException(spec.commandLine(), "--seeded-arms " + s + ": N must be ≥ 1");
            return seeds.subList(0, Math.min(n, seeds.size()));
        }
        return List.of(seeds.get(0));
    }

    /** The ingest of the experiment's dataset into its own broker: a no-op on a rerun (finished splits are kept). */
    private List<String> ingestArgs() {
        List<String> a = new ArrayList<>(List.of("--dataset", dataset, "--block-length", "" + seq, "--no-progress"));
        if (download) a.add("--download");
        else a.addAll(List.of("--source", source));
        return a;
    }

    /** The fixed arm's ranks: those the efficient arm of the same seed ended with; empty for other arms. */
    private static List<String> fixedRanks(Arm arm, int seed, List<RunResult> done) {
        if (!arm.fixed()) return List.of();
        RunResult efficient = done.stream()
                .filter(r -> r.arm().name().equals("efficient") && r.seed() == seed)
                .findFirst()
                .orElseThrow();
        int[] r = efficient.finalRanks();
        StringBuilder sb = new StringBuilder();
        for (int x : r) sb.append(sb.isEmpty() ? "" : ",").append(x);
        return List.of("--fixed-ranks", sb.toString());
    }

    private static int layersOf(String preset) {
        return GptConfig.preset(preset, GptConfig.Mode.FULL).layers();
    }

    private RunResult run(Layout layout, String bs, Arm arm, int seed, int b, List<String> extra) throws IOException {
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
                model.name(),
                "--dataset",
                dataset,
                "--batch",
                "" + batch,
                "--accumulation",
                "" + accumulation,
                "--lr",
                "" + lr,
                "--warmup-steps",
                "" + warmupSteps,
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
                backend.options().name(),
                "--precision",
                backend.options().precision().label()));
        args.addAll(arm.flags(layersOf(model.name())));
        args.addAll(extra);
        int code;
        try (BufferedWriter log = Files.newBufferedWriter(
                runs.resolve(run + ".log"),
                StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            JavaProcess trainer = TrainCommand.trainer(layout, args, 0)
                    .start(summary, JavaProcess.appendTo(log).andThen(line -> {
                        if (PROGRESS.matcher(line).find())
                            System.out.println(
                                    "   [" + run + "] " + line.replaceFirst("^[0-9:]* INFO  \\[[^]]*\\] ", ""));
                    }));
            code = trainer.waitFor(Duration.ofHours(24));
        }
        if (code != 0)
            throw new Commands.BadInputException("run " + run + " failed (exit " + code + "; log "
                    + runs.resolve(run + ".log") + "); rerun the same command to resume");
        return RunResult.read(arm, seed, summary, checkpoints.resolve(run));
    }
}
