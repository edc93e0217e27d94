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

    @Option(
            names = "--precision",
            paramLabel = "P",
            description = "GEMM precision: fp32 (default), tf32 (TF32 tensor cores) or bf16 (bf16 tensor-core products,"
                    + " float32 storage and accumulation); tf32 and bf16 on cuda only. Default: env INRANK_PRECISION,"
                    + " else fp32.")
    String precision;

    /** The accepted precisions. */
    public static final java.util.List<String> PRECISIONS = java.util.List.of("fp32", "tf32", "bf16");

    /** The resolved precision (flag, else INRANK_PRECISION, else fp32). */
    public String precision() {
        String p = precision;
        if (p == null || p.isBlank()) p = System.getenv("INRANK_PRECISION");
        return p == null || p.isBlank() ? "fp32" : p.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Checks the precision against the backend and hands it to the backend's start ({@code inrank.precision}); the
     * backends that compute in float32 or float64 only accept fp32.
     */
    private void applyPrecision() {
        String p = precision();
        if (!PRECISIONS.contains(p))
            throw new CommandLine.ParameterException(
                    mixee.commandLine(), "--precision: expected fp32, tf32 or bf16, got '" + p + "'");
        if (!p.equals("fp32") && !resolved().equals("cuda"))
            throw new CommandLine.ParameterException(
                    mixee.commandLine(), "--precision " + p + ": only the cuda backend has tf32 and bf16 GEMMs");
        System.setProperty("inrank.precision", p);
    }

    /** The resolved name (flag, else env, else the default). */
    public String resolved() {
        return Backends.resolve(name);
    }

    /** Opens the backend or ends the command with a usage error that names the reason. */
    public Backend open() {
        applyPrecision();
        try {
            return Backends.open(name);
        } catch (BackendUnavailableException e) {
            throw new CommandLine.ParameterException(mixee.commandLine(), "--backend " + e.getMessage());
        }
    }

    /** Checks that the backend can run here without starting it (for commands that launch another JVM with it). */
    public void check() {
        applyPrecision();
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
