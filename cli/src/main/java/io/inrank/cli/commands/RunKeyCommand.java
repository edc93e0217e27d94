package io.inrank.cli.commands;

import io.inrank.protocol.RunKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Prints one run's signing key, derived from the master the rank-controller holds (see protocol's RunKey). */
@Command(
        name = "run-key",
        mixinStandardHelpOptions = true,
        description = {
            "Print the signing key of one run (64 hex characters), derived from the run-key master.",
            "Give it to that run's trainer (--run-key-file, INRANK_TRAIN_RUN_KEY) and to the server that follows the run"
                    + " (INRANK_SERVE_RUN_KEY); the rank-controller holds the master"
                    + " (INRANK_CONTROLLER_RUN_KEY_MASTER_FILE). A run's key signs its spectrum reports and checkpoint"
                    + " events, so another run's trainer, which shares the Kafka login, cannot forge them.",
            "Make a master once: openssl rand -hex 32 > run-key-master"
        })
public final class RunKeyCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--run", required = true, description = "The run id.")
    String run;

    @Option(
            names = "--master-file",
            paramLabel = "FILE",
            defaultValue = "${env:INRANK_RUN_KEY_MASTER_FILE}",
            description = "The file holding the master (at least 32 bytes; default: env INRANK_RUN_KEY_MASTER_FILE).")
    Path masterFile;

    @Override
    public Integer call() throws Exception {
        if (masterFile == null)
            throw new ParameterException(spec.commandLine(), "--master-file (or INRANK_RUN_KEY_MASTER_FILE) is needed");
        byte[] master;
        try {
            master = RunKey.master(Files.readString(masterFile, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), masterFile + ": " + e.getMessage());
        }
        try {
            System.out.println(RunKey.derive(master, run).hex());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--run: " + e.getMessage());
        }
        return 0;
    }
}
