package io.inrank.cli;

import io.inrank.cli.commands.BenchCommand;
import io.inrank.cli.commands.DemoCommand;
import io.inrank.cli.commands.ExportCommand;
import io.inrank.cli.commands.GenerateCommand;
import io.inrank.cli.commands.IngestCommand;
import io.inrank.cli.commands.KafkaCommand;
import io.inrank.cli.commands.RankControllerCommand;
import io.inrank.cli.commands.RunKeyCommand;
import io.inrank.cli.commands.ServeCommand;
import io.inrank.cli.commands.TrainCommand;
import io.inrank.commands.BackendsCommand;
import io.inrank.commands.Commands;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./inrank}: every command of the pipeline in one tree. Commands that compute (benches, backends) run in this
 * JVM; the services (data-ingest, rank-controller, trainer, inference) run as their own processes, started with the
 * same settings a container gets, so what works here works in the cluster.
 */
@Command(
        name = "inrank",
        mixinStandardHelpOptions = true,
        version = "inrank 0.1.0",
        description = "InRank: GPT-2 trained with incrementally grown low-rank MLPs, then served compressed.%n",
        subcommands = {
            DemoCommand.class,
            KafkaCommand.class,
            IngestCommand.class,
            RankControllerCommand.class,
            TrainCommand.class,
            io.inrank.cli.experiment.ExperimentCommand.class,
            ServeCommand.class,
            GenerateCommand.class,
            ExportCommand.class,
            RunKeyCommand.class,
            BackendsCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Every command has --help. Shared options mean the same everywhere:",
            "  --bootstrap HOST:PORT   Kafka (where a broker is needed and none given, a local one is started)",
            "  --backend NAME          nd4j | reference | cuda (default: env INRANK_BACKEND, else nd4j)",
            "  --port N                the HTTP port of a service",
            "Exit codes: 0 done, 1 bad input, 2 usage (unknown option, backend unavailable), 3 runtime failure.",
            "Environment: JAVA_HOME, JAVA_OPTS (added to jvm.properties' flags), KAFKA_BOOTSTRAP_SERVERS,",
            "INRANK_BACKEND, INRANK_CACHE (downloads; default ~/.cache/inrank)."
        })
public final class Inrank implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = Commands.commandLine(new Inrank());
        BenchCommand.addBackendBenches(cl.getSubcommands().get("bench"));
        return cl;
    }

    public static void main(String[] args) {
        // before Kafka or ND4J create their first logger: the broker logs to a file, the rest only warnings to stderr
        System.setProperty("log4j2.configurationFile", "classpath:cli-log4j2.xml");
        System.exit(commandLine().execute(args));
    }
}
