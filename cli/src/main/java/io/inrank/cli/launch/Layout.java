package io.inrank.cli.launch;

import io.inrank.protocol.PipelineService;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built applications live in a checkout ({@code inrank.home}, set by the launcher): each service's packaged
 * application where {@link PipelineService} says the build puts it. The cli module depends on the four services, so the build
 * that makes the cli makes them (the launcher builds when stale); a missing one means that build did not run.
 */
public record Layout(Path home) {

    public static Layout current() {
        return new Layout(
                Path.of(System.getProperty("inrank.home", ".")).toAbsolutePath().normalize());
    }

    /** A packaged service ({@link PipelineService#app}). */
    public record App(PipelineService service, Path dir) {
        public Path jar() {
            return require(dir.resolve("quarkus-run.jar"));
        }

        /** For a plain main class inside the app (benches, tools): its classes and libraries. */
        public String classpath() {
            jar();
            return String.join(
                    File.pathSeparator,
                    dir.resolve("app").resolve("*").toString(),
                    dir.resolve("lib/main").resolve("*").toString(),
                    jar().toString());
        }

        private Path require(Path p) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException(
                        p + " is missing: build first (./mvnw -DskipTests package, or run through ./inrank)");
            }
            return p;
        }
    }

    public App app(PipelineService service) {
        return new App(service, service.app(home));
    }

    /** Working files of local runs (the demo's broker, checkpoints, logs): {@code .inrank/} in the checkout. */
    public Path work(String name) {
        return home.resolve(".inrank").resolve(name);
    }

    /** The settings of the JVMs started from here: local ones, or the test ones when {@code inrank.jvm=test}. */
    public JvmSettings jvm() {
        return "test".equals(System.getProperty("inrank.jvm")) ? JvmSettings.test(home) : JvmSettings.local(home);
    }
}
