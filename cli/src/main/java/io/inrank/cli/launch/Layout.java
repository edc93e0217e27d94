package io.inrank.cli.launch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the built applications live in a checkout ({@code inrank.home}, set by the launcher): each service is a Quarkus
 * fast-jar under {@code <module>/target/quarkus-app}. The launcher builds them when stale, so a missing one means the
 * build did not run.
 */
public record Layout(Path home) {

    public static Layout current() {
        return new Layout(
                Path.of(System.getProperty("inrank.home", ".")).toAbsolutePath().normalize());
    }

    /** A packaged service: data-ingest, rank-controller, trainer or inference. */
    public record App(String module, Path dir) {
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

    public App app(String module) {
        return new App(module, home.resolve(module).resolve("target/quarkus-app"));
    }

    public App ingest() {
        return app("data-ingest");
    }

    public App controller() {
        return app("rank-controller");
    }

    public App trainer() {
        return app("trainer");
    }

    public App inference() {
        return app("inference");
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
