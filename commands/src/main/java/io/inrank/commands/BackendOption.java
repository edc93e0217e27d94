package io.inrank.commands;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendOptions;
import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.model.backend.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --backend NAME --precision P}, the same in every command that computes. The two strings are parsed once, here,
 * into {@link BackendOptions} ({@link #options()}); from then on only the typed value travels: to
 * {@link Backends#open(BackendOptions)} in this JVM, or as {@link BackendOptions#arguments()} to a JVM this one starts.
 * A choice that cannot run here is a usage error (exit 2) with its one-line reason, before anything starts.
 */
public final class BackendOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description = "Compute backend: nd4j (CPU), reference (plain Java, slow), cuda (NVIDIA GPU); `inrank"
                    + " backends` lists what runs here. Default: env " + BackendOptions.BACKEND_ENV + ", else nd4j.")
    String name;

    @Option(
            names = "--precision",
            paramLabel = "P",
            description = "GEMM precision: fp32 (default), tf32 (TF32 tensor cores) or bf16 (bf16 tensor-core products,"
                    + " float32 storage and accumulation); tf32 and bf16 on cuda only. Default: env "
                    + BackendOptions.PRECISION_ENV + ", else fp32.")
    String precision;

    private BackendOptions parsed;

    /** The options as the user gave them (flags, else env, else defaults); a malformed value is a usage error. */
    public BackendOptions options() {
        if (parsed == null) {
            try {
                parsed = BackendOptions.parse(name, precision);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(mixee.commandLine(), "--" + e.getMessage());
            }
        }
        return parsed;
    }

    /** Opens the backend or ends the command with a usage error that names the reason. */
    public Backend open() {
        try {
            return Backends.open(options());
        } catch (BackendUnavailableException e) {
            throw usage(e);
        }
    }

    /**
     * Checks that the backend can run here at this precision without starting it (for commands that launch another JVM
     * with it); returns the options to hand on.
     */
    public BackendOptions check() {
        try {
            Backends.check(options());
            return options();
        } catch (BackendUnavailableException e) {
            throw usage(e);
        }
    }

    private CommandLine.ParameterException usage(BackendUnavailableException e) {
        return new CommandLine.ParameterException(mixee.commandLine(), e.asOptionError());
    }
}
