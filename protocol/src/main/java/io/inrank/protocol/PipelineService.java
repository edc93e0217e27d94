package io.inrank.protocol;

import java.nio.file.Path;

/**
 * The four services of the pipeline, described once: the Maven module (also the k8s component and the Kafka user, see
 * {@link Access#SERVICES}), the packaged application the build makes of it, its HTTP port setting, and the plain main
 * classes the command line runs from its jar ({@link Tool}). The launcher, the local stack, the benches and the k8s
 * checks read this; the services' own {@code application.properties} must agree (k8s {@code CrossCheckTest}).
 */
public enum PipelineService {
    DATA_INGEST("data-ingest", "INGEST_HTTP_PORT", Ports.DATA_INGEST),
    RANK_CONTROLLER("rank-controller", "CONTROLLER_HTTP_PORT", Ports.RANK_CONTROLLER),
    TRAINER("trainer", "TRAINER_HTTP_PORT", Ports.TRAINER),
    INFERENCE("inference", "INFERENCE_HTTP_PORT", Ports.INFERENCE);

    /** The default HTTP ports as text constants, so command-line defaults (annotation values) can name them. */
    public static final class Ports {
        /** 0: any free port; a one-shot ingest has nothing to serve but metrics (k8s sets 8080). */
        public static final String DATA_INGEST = "0";

        public static final String RANK_CONTROLLER = "8082";
        public static final String TRAINER = "8083";
        public static final String INFERENCE = "8080";

        private Ports() {}
    }

    private final String module;
    private final String portEnv;
    private final int defaultPort;

    PipelineService(String module, String portEnv, String defaultPort) {
        this.module = module;
        this.portEnv = portEnv;
        this.defaultPort = Integer.parseInt(defaultPort);
    }

    /** The Maven module, k8s component and Kafka user name. */
    public String module() {
        return module;
    }

    /** The environment variable that sets the HTTP port ({@code quarkus.http.port=${ENV:default}}). */
    public String portEnv() {
        return portEnv;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /**
     * The packaged application in a built checkout: Quarkus' fast-jar layout in the module's build directory (the
     * container images copy the same directory to {@code /deployments}).
     */
    public Path app(Path checkout) {
        return checkout.resolve(module).resolve("target").resolve("quarkus-app");
    }

    /** The application's launch jar ({@code java -jar} starts the service). */
    public Path jar(Path checkout) {
        return app(checkout).resolve("quarkus-run.jar");
    }

    /** The service whose module (or component, or Kafka user) is {@code name}. */
    public static PipelineService of(String name) {
        for (PipelineService s : values()) if (s.module.equals(name)) return s;
        throw new IllegalArgumentException(
                "no service " + name + " (data-ingest, rank-controller, trainer, inference)");
    }

    /**
     * A plain main class in a service's jar that the command line runs without starting the service: usage text that
     * must answer fast, a bench, a one-shot tool.
     */
    public enum Tool {
        INGEST_HELP(DATA_INGEST, "io.inrank.ingest.cli.HelpMain"),
        TRAIN_HELP(TRAINER, "io.inrank.trainer.config.SettingsHelp"),
        TRAINER_BENCH(TRAINER, "io.inrank.trainer.bench.TrainerBench"),
        CONTROLLER_BENCH(RANK_CONTROLLER, "io.inrank.controller.bench.ControllerBench"),
        SERVE_BENCH(INFERENCE, "io.inrank.inference.bench.ServeBench"),
        GENERATE(INFERENCE, "io.inrank.inference.cli.GenerateMain");

        private final PipelineService service;
        private final String mainClass;

        Tool(PipelineService service, String mainClass) {
            this.service = service;
            this.mainClass = mainClass;
        }

        public PipelineService service() {
            return service;
        }

        public String mainClass() {
            return mainClass;
        }
    }
}
