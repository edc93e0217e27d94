package io.inrank.cli.commands;

import io.inrank.commands.bench.AttentionBench;
import io.inrank.commands.bench.BackendBenchCommand;
import io.inrank.commands.bench.GenerateBench;
import io.inrank.commands.bench.TrainBench;
import io.inrank.model.backend.BackendBench;
import io.inrank.model.backend.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The benchmarks: each prints one JSON line per measurement, so runs can be compared and plotted. Timing goals live
 * here, never in pass/fail tests. Model benches run in this JVM; service benches start what they measure. Benches of
 * one backend only (nd4j's spectrum against ND4J's own SVD) come from its provider ({@link #addBackendBenches}).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks, one JSON line each (every bench takes --backend where it computes).",
        subcommands = {
            BenchIngest.class,
            TrainBench.class,
            BenchTrainer.class,
            BenchServe.class,
            AttentionBench.class,
            GenerateBench.class,
            BenchRankController.class
        })
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Adds every available backend's own benches under {@code bench}, so this module names no implementation. */
    public static void addBackendBenches(CommandLine bench) {
        for (BackendBench b : Backends.benches()) {
            CommandLine sub = BackendBenchCommand.of(b);
            sub.setUsageHelpWidth(bench.getUsageHelpWidth());
            bench.addSubcommand(sub);
        }
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "which benchmark? (bench --help lists them)");
    }
}
