package io.inrank.model.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that turns {@link BackendOptions} into a {@link Backend}. Implementations are found with
 * {@link ServiceLoader} ({@link BackendProvider}): this class knows none by name, so no model, trainer or server class
 * names one either. {@link #open} checks the options against the provider (the only validation of a backend choice)
 * and keeps the opened backend: every caller in a process shares it.
 */
public final class Backends {
    private Backends() {}

    private static final Map<BackendOptions, Backend> OPEN = new ConcurrentHashMap<>();

    /** One backend's state here: available, or the reason it is not. */
    public record Status(String name, String description, String unavailableReason, List<Precision> precisions) {
        public boolean available() {
            return unavailableReason == null;
        }

        @Override
        public String toString() {
            return name + (available() ? " (" + description + ")" : " (unavailable: " + unavailableReason + ")");
        }
    }

    /** The backend the environment selects ({@code INRANK_BACKEND}, {@code INRANK_PRECISION}, else nd4j at fp32). */
    public static Backend open() {
        return open(BackendOptions.parse(null, null));
    }

    /** A backend by name at fp32 (tests and tools that name theirs). */
    public static Backend open(String name) {
        return open(BackendOptions.of(name));
    }

    /**
     * Opens the backend the options name at their precision, or returns the one already open with the same options.
     *
     * @throws BackendUnavailableException with a one-line reason: no such backend here, a precision it lacks, or why it
     *     cannot run here
     */
    public static Backend open(BackendOptions options) {
        Backend open = OPEN.get(options);
        if (open != null) return open;
        synchronized (Backends.class) {
            open = OPEN.get(options);
            if (open != null) return open;
            BackendProvider p = check(options);
            // one set of options per backend and process: a second cuda start would claim a second device arena
            for (BackendOptions o : OPEN.keySet())
                if (o.name().equals(options.name()))
                    throw new BackendUnavailableException(options.name() + " is already open here as " + o
                            + "; a process uses one precision per backend");
            try {
                open = p.open(options);
            } catch (BackendUnavailableException e) {
                throw e;
            } catch (RuntimeException | LinkageError e) {
                throw new BackendUnavailableException(options.name() + ": failed to start (" + e + ")", e);
            }
            OPEN.put(options, open);
            return open;
        }
    }

    /**
     * Checks that the options can run here without starting anything (for a command that launches another JVM with
     * them): the provider that answers to the name, if the precision is one it has and it is available.
     *
     * @throws BackendUnavailableException with the one-line reason
     */
    public static BackendProvider check(BackendOptions options) {
        String n = options.name();
        BackendProvider p = providers().get(n);
        if (p == null)
            throw new BackendUnavailableException(n + ": no such backend here (found: " + names()
                    + "; a backend's module must be on the class path)");
        if (!p.precisions().contains(options.precision()))
            throw BackendUnavailableException.lacksPrecision(
                    n + " has no " + options.precision().label() + " GEMMs (it has "
                            + String.join(", ", sorted(p.precisions())) + ")",
                    options.precision());
        String why = p.unavailableReason();
        if (why != null) throw new BackendUnavailableException(n + ": " + why + "; " + summary());
        return p;
    }

    /** Every backend found, in listing order, with its state here. */
    public static List<Status> list() {
        List<Status> out = new ArrayList<>();
        for (BackendProvider p : providers().values())
            out.add(new Status(
                    p.name(),
                    p.description(),
                    p.unavailableReason(),
                    p.precisions().stream().sorted().toList()));
        return out;
    }

    /** "backends here: nd4j (available), reference (available), cuda (unavailable)" in one line. */
    public static String summary() {
        List<String> parts = new ArrayList<>();
        for (Status s : list()) parts.add(s.name() + (s.available() ? " (available)" : " (unavailable)"));
        return "backends here: " + String.join(", ", parts);
    }

    /** The backend-specific benches of every available backend ({@link BackendProvider#benches}). */
    public static List<BackendBench> benches() {
        List<BackendBench> out = new ArrayList<>();
        for (BackendProvider p : providers().values()) if (p.unavailableReason() == null) out.addAll(p.benches());
        return out;
    }

    /** The names found, comma-separated, in listing order. */
    public static String names() {
        return String.join(", ", providers().keySet());
    }

    private static Map<String, BackendProvider> providers() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())
                .forEach(found::add);
        found.sort(Comparator.comparingInt(BackendProvider::order).thenComparing(BackendProvider::name));
        Map<String, BackendProvider> byName = new LinkedHashMap<>();
        for (BackendProvider p : found) byName.putIfAbsent(p.name(), p);
        return byName;
    }

    private static List<String> sorted(java.util.Set<Precision> ps) {
        return ps.stream().sorted().map(Precision::label).toList();
    }
}
