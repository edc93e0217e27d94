package io.inrank.model.backend;

import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * What selects and configures the compute backend, typed: the backend's name and its GEMM precision. Parsed once where
 * the user gives it ({@code --backend}/{@code --precision}, a service's settings) with {@link #parse}, then handed as
 * is to {@link Backends#open(BackendOptions)}, which checks it against the backend that answers to the name (one
 * validation, in one place). A JVM that starts another hands it on with {@link #arguments()}; nothing travels through
 * system properties.
 *
 * @param name the backend's name as its provider declares it (nd4j, reference, cuda, …)
 * @param precision the GEMM precision
 */
public record BackendOptions(String name, Precision precision) {
    public static final String BACKEND_ENV = "INRANK_BACKEND", PRECISION_ENV = "INRANK_PRECISION";
    public static final String DEFAULT_BACKEND = "nd4j";

    public BackendOptions {
        Objects.requireNonNull(precision, "precision");
        if (name == null || !name.matches("[a-z][a-z0-9-]{0,31}"))
            throw new IllegalArgumentException("backend: expected a name like nd4j or cuda, got '" + name + "'");
    }

    /** A backend at fp32 (tests and tools that name theirs). */
    public static BackendOptions of(String name) {
        return parse(name, null, k -> null);
    }

    /** The user's values, each blank or null meaning env {@value #BACKEND_ENV}/{@value #PRECISION_ENV}, else the default. */
    public static BackendOptions parse(String backend, String precision) {
        return parse(backend, precision, System::getenv);
    }

    /** {@link #parse(String, String)} with the environment given (tests). */
    static BackendOptions parse(String backend, String precision, UnaryOperator<String> env) {
        String n = given(backend) ? backend : env.apply(BACKEND_ENV);
        String p = given(precision) ? precision : env.apply(PRECISION_ENV);
        Precision parsed;
        try {
            parsed = given(p) ? Precision.parse(p) : Precision.FP32;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision: " + e.getMessage());
        }
        return new BackendOptions(given(n) ? n.trim().toLowerCase(java.util.Locale.ROOT) : DEFAULT_BACKEND, parsed);
    }

    /** The command-line arguments that give the same options to another InRank JVM. */
    public List<String> arguments() {
        return List.of("--backend", name, "--precision", precision.label());
    }

    @Override
    public String toString() {
        return name + (precision == Precision.FP32 ? "" : " (" + precision.label() + ")");
    }

    private static boolean given(String s) {
        return s != null && !s.isBlank();
    }
}
