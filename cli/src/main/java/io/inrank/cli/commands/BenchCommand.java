package io.inrank.cli.commands;

import io.inrank.model.backend.nd4j.SpectrumBench;
import io.inrank.model.bench.AttentionBench;
import io.inrank.model.bench.GenerateBench;
import io.inrank.model.bench.TrainBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The benchmarks: each prints one JSON line per measurement, so runs can be compared and plotted. Timing goals live
 * here, never in pass/fail tests. Model benches run in this JVM; service benches start what they measure.
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
            SpectrumBench.class,
            AttentionBench.class,
            GenerateBench.class,
            BenchRankController.class
        })
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "which benchmark? (bench --help lists them)");
    }
}
