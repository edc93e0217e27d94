package io.inrank.model.cli;

import io.inrank.model.backend.Backend;
import io.inrank.model.backend.BackendUnavailableException;
import io.inrank.model.backend.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --backend NAME}, the same in every command that computes: empty means {@code INRANK_BACKEND}, else nd4j. A
 * backend that cannot run here is a usage error (exit 2) with its one-line reason, before anything starts.
 */
public final class BackendOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = "--backend",
            paramLabel = "NAME",
            description = "Compute backend: nd4j (CPU), reference (plain Java, slow), cuda. Default: env "
                    + Backends.ENV + ", else nd4j.")
    String name;

    /** The resolved name (flag, else env, else the default). */
    public String resolved() {
        return Backends.resolve(name);
    }

    /** Opens the backend or ends the command with a usage error that names the reason. */
    public Backend open() {
        try {
            return Backends.open(name);
        } catch (BackendUnavailableException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--backend " + e.getMessage());
        }
    }

    /** Checks that the backend can run here without starting it (for commands that launch another JVM with it). */
    public void check() {
        String n = resolved();
        for (Backends.Status s : Backends.list()) {
            if (!s.name().equals(n)) continue;
            if (s.available()) return;
            throw new CommandLine.ParameterException(
                    mixee.commandLine(), "--backend " + n + ": " + s.unavailableReason() + "; " + Backends.summary());
        }
        throw new CommandLine.ParameterException(
                mixee.commandLine(),
                "--backend: unknown backend '" + n + "'; known: " + String.join(", ", Backends.KNOWN));
    }
}
