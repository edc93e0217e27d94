package io.inrank.model.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place that turns a backend name into a {@link Backend}. Names: {@code nd4j} (CPU, default), {@code reference}
 * (plain-Java float64 oracle), {@code cuda} (NVIDIA GPUs; its own module). Implementations are found with
 * {@link ServiceLoader} ({@link BackendProvider}), so no model, trainer or server class names one. A name resolves as
 * given, else from {@code INRANK_BACKEND}, else {@value #DEFAULT}. An opened backend is kept: every caller in a process
 * shares it.
 */
public final class Backends {
    private Backends() {}

    public static final String ENV = "INRANK_BACKEND";
    public static final String DEFAULT = "nd4j";

    /** Every name the system knows, whether or not its module is on this class path. */
    public static final List<String> KNOWN = List.of("nd4j", "reference", "cuda");

    private static final Map<String, Backend> OPEN = new ConcurrentHashMap<>();

    /** One backend's state here: available, or the reason it is not. */
    public record Status(String name, String description, String unavailableReason) {
        public boolean available() {
            return unavailableReason == null;
        }

        @Override
        public String toString() {
            return name + (available() ? " (" + description + ")" : " (unavailable: " + unavailableReason + ")");
        }
    }

    /** The name to use: {@code name} if not blank, else {@code INRANK_BACKEND} if set, else {@value #DEFAULT}. */
    public static String resolve(String name) {
        if (name != null && !name.isBlank()) return name.trim();
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? env.trim() : DEFAULT;
    }

    /** The default backend ({@code INRANK_BACKEND}, else nd4j). */
    public static Backend open() {
        return open(null);
    }

    /**
     * Opens a backend by name (null or blank: see {@link #resolve}).
     *
     * @throws BackendUnavailableException with a one-line reason naming the known backends
     */
    public static Backend open(String name) {
        String n = resolve(name);
        Backend open = OPEN.get(n);
        if (open != null) return open;
        synchronized (Backends.class) {
            open = OPEN.get(n);
            if (open != null) return open;
            BackendProvider p = providers().get(n);
            if (p == null) {
                if (!KNOWN.contains(n))
                    throw new BackendUnavailableException(
                            "unknown backend '" + n + "'; known: " + String.join(", ", KNOWN));
                throw new BackendUnavailableException(n + ": " + missingModuleReason(n) + "; " + summary());
            }
            String why = p.unavailableReason();
            if (why != null) throw new BackendUnavailableException(n + ": " + why + "; " + summary());
            try {
                open = p.open();
            } catch (BackendUnavailableException e) {
                throw e;
            } catch (RuntimeException | LinkageError e) {
                throw new BackendUnavailableException(n + ": failed to start (" + e + ")", e);
            }
            OPEN.put(n, open);
            return open;
        }
    }

    /** Every known backend (and any other provider found) with its state here. */
    public static List<Status> list() {
        Map<String, BackendProvider> found = providers();
        List<Status> out = new ArrayList<>();
        for (String n : KNOWN) {
            BackendProvider p = found.remove(n);
            out.add(
                    p == null
                            ? new Status(n, "", missingModuleReason(n))
                            : new Status(n, p.description(), p.unavailableReason()));
        }
        for (BackendProvider p : found.values()) out.add(new Status(p.name(), p.description(), p.unavailableReason()));
        return out;
    }

    /** "backends: nd4j (…), reference (…), cuda (unavailable: …)" in one line. */
    public static String summary() {
        List<String> parts = new ArrayList<>();
        for (Status s : list()) parts.add(s.available() ? s.name() + " (available)" : s.name() + " (unavailable)");
        return "backends here: " + String.join(", ", parts);
    }

    /** The backend-specific benchmarks of every available backend ({@link BackendProvider#benchCommands}). */
    public static List<Object> benchCommands() {
        List<Object> out = new ArrayList<>();
        for (BackendProvider p : providers().values()) {
            if (p.unavailableReason() == null) out.addAll(p.benchCommands());
        }
        return out;
    }

    private static Map<String, BackendProvider> providers() {
        Map<String, BackendProvider> byName = new LinkedHashMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()))
            byName.putIfAbsent(p.name(), p);
        return byName;
    }

    /**
     * Null if the NVIDIA driver's library (libcuda.so.1) is found, else the one-line reason; loads nothing, so a GPU
     * backend can ask before it touches any CUDA class.
     */
    public static String cudaDriverMissingReason() {
        return CudaDriver.missingReason();
    }

    /** Why a known backend has no provider on this class path. */
    private static String missingModuleReason(String name) {
        if (name.equals("cuda")) {
            String driver = CudaDriver.missingReason();
            return driver != null
                    ? driver
                    : "a CUDA driver is present but the CUDA backend module is not on the class path";
        }
        return "its module is not on the class path";
    }

    /** Finds the NVIDIA driver's user-space library without loading it (no JNI here). */
    static final class CudaDriver {
        private CudaDriver() {}

        static final List<String> DIRS = List.of(
                "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64",
                "/usr/lib",
                "/usr/local/nvidia/lib64",
                "/usr/local/nvidia/lib",
                "/usr/lib/wsl/lib");

        /**
         * Null if libcuda.so.1 is found (in LD_LIBRARY_PATH or the usual places), else the reason. With
         * {@link CudaEmulation#requested()} the emulated device's verdict instead; without it, an emulator directory's
         * stand-in does not count as a driver.
         */
        static String missingReason() {
            if (CudaEmulation.requested()) return CudaEmulation.unavailableReason();
            List<String> dirs = new ArrayList<>();
            String ld = System.getenv("LD_LIBRARY_PATH");
            if (ld != null) for (String d : ld.split(":")) if (!d.isBlank()) dirs.add(d);
            dirs.addAll(DIRS);
            for (String d : dirs)
                if (Files.exists(Path.of(d, "libcuda.so.1")) && !CudaEmulation.isEmulatorDir(Path.of(d))) return null;
            return "no CUDA driver found (libcuda.so.1)";
        }
    }
}
