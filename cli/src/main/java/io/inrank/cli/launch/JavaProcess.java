package io.inrank.cli.launch;

import io.inrank.protocol.PipelineService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One JVM the CLI starts: a service (Quarkus jar) or a tool main inside a service's classpath, with the flags and
 * native environment of {@link JvmSettings}. Either in the foreground ({@link #run}) or in the background with its
 * output in a log file ({@link #start}); background processes are stopped (SIGTERM, then SIGKILL after 20 s) on
 * {@link #close} or when the CLI exits.
 */
public final class JavaProcess implements AutoCloseable {
    /** Start-up noise the user can do nothing about: the incubator-module notice and SLF4J's provider messages. */
    static final Pattern NOISE = Pattern.compile("^(SLF4J\\(?[WI]?\\)?:|WARNING: Using incubator modules)");

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(JavaProcess::stop), "inrank-children"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        LIVE.add(process);
    }

    public static Builder builder(String name, JvmSettings jvm) {
        return new Builder(name, jvm);
    }

    public static final class Builder {
        private final String name;
        private final JvmSettings jvm;
        private final List<String> jvmArgs = new ArrayList<>();
        private final Map<String, String> props = new LinkedHashMap<>();
        private final List<String> target = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path directory;

        private Builder(String name, JvmSettings jvm) {
            this.name = name;
            this.jvm = jvm;
        }

        public Builder heap(String max) {
            jvmArgs.add("-Xmx" + max);
            return this;
        }

        /** A system property, e.g. a Quarkus setting ({@code quarkus.http.port}). */
        public Builder property(String key, Object value) {
            props.put(key, String.valueOf(value));
            return this;
        }

        public Builder jar(Path jar) {
            target.clear();
            target.addAll(List.of("-jar", jar.toString()));
            return this;
        }

        /** A plain main class in a service's jar ({@link PipelineService.Tool}), on that application's class path. */
        public Builder tool(Layout layout, PipelineService.Tool tool) {
            return main(layout.app(tool.service()).classpath(), tool.mainClass());
        }

        public Builder main(String classpath, String mainClass) {
            target.clear();
            target.addAll(List.of("-cp", classpath, mainClass));
            return this;
        }

        /** The working directory (default: the CLI's). */
        /** An environment variable of the process (over the JVM settings' own). */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        public Builder directory(Path dir) {
            this.directory = dir;
            return this;
        }

        public Builder args(List<String> more) {
            args.addAll(more);
            return this;
        }

        public Builder args(String... more) {
            return args(List.of(more));
        }

        public List<String> command() {
            if (target.isEmpty()) throw new IllegalStateException(name + ": no jar or main class");
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvm.flags());
            cmd.addAll(jvmArgs);
            props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.addAll(target);
            cmd.addAll(args);
            return cmd;
        }

        private ProcessBuilder processBuilder() {
            ProcessBuilder pb = new ProcessBuilder(command());
            pb.environment().putAll(jvm.env());
            pb.environment().putAll(env);
            if (directory != null) pb.directory(directory.toFile());
            return pb;
        }

        /** Runs in the foreground (stdin and stdout shared, stderr without start-up noise); returns the exit code. */
        public int run() {
            try {
                Process p = processBuilder()
                        .redirectInput(ProcessBuilder.Redirect.INHERIT)
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .start();
                JavaProcess jp = new JavaProcess(name, p, null);
                Thread err = pump(p.getErrorStream(), line -> System.err.println(line));
                int code = p.waitFor();
                err.join();
                LIVE.remove(jp.process);
                return code;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted", e);
            }
        }

        /** Starts in the background with stdout and stderr appended to {@code log}. */
        public JavaProcess start(Path log) {
            try {
                Files.createDirectories(log.toAbsolutePath().getParent());
                Process p = processBuilder()
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                return new JavaProcess(name, p, log);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
            }
        }

        /**
         * Starts in the background with stdout to {@code out} and each stderr line (without start-up noise) to
         * {@code stderr}; {@link #waitFor} returns once both are drained.
         */
        public JavaProcess start(Path out, Consumer<String> stderr) {
            try {
                Process p = processBuilder()
                        .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
                        .start();
                JavaProcess jp = new JavaProcess(name, p, null);
                jp.errPump = pump(p.getErrorStream(), stderr);
                return jp;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
            }
        }
    }

    private Thread errPump;

    /** A stderr sink for {@link Builder#start(Path, Consumer)} that appends each line to {@code log}. */
    public static Consumer<String> appendTo(java.io.BufferedWriter log) {
        return line -> {
            try {
                log.write(line);
                log.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static Thread pump(InputStream in, Consumer<String> sink) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            if (!NOISE.matcher(line).find()) sink.accept(line);
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                },
                "stderr-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The log file of a background process ({@link Builder#start(Path)}), else null. */
    public Path log() {
        return log;
    }

    /** SIGKILL, for tests of what survives a crash (no shutdown hook, no final checkpoint). */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
        LIVE.remove(process);
    }

    /** Waits for the process to end; returns its exit code. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(process);
                throw new IllegalStateException(name + " did not finish within " + timeout.toSeconds() + " s" + tail());
            }
            if (errPump != null) errPump.join();
            LIVE.remove(process);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted", e);
        }
    }

    /** Waits until a line of the log matches; returns the match (its groups carry e.g. a port). */
    public Matcher awaitLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(log)) {
                    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                        Matcher m = pattern.matcher(line);
                        if (m.find()) return m;
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // a partly written line: read again
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + " before it was ready" + tail());
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s" + tail());
    }

    /** Waits until {@code url} answers 200 (a readiness endpoint). */
    public void awaitHttp(String url, Duration timeout) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(name + ": interrupted", e);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with " + process.exitValue() + " before it was ready" + tail());
            }
            sleep(200);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s" + tail());
    }

    /** The last lines of the log, for error messages. */
    private String tail() {
        if (log == null || !Files.exists(log)) return "";
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return " (log " + log + "):\n  "
                    + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return " (log " + log + ")";
        }
    }

    @Override
    public void close() {
        stop(process);
        LIVE.remove(process);
    }

    private static void stop(Process p) {
        if (!p.isAlive()) return;
        p.destroy(); // SIGTERM: services shut down cleanly, a trainer checkpoints first
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
