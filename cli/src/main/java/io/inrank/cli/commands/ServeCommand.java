package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.commands.BackendOption;
import io.inrank.commands.BrokerOption;
import io.inrank.protocol.PipelineService;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The inference service in the foreground on a checkpoint (the same jar and settings as its container). */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "The inference server on a checkpoint (TGI and OpenAI-style HTTP APIs).",
            "",
            "Endpoints: /generate, /generate_stream (SSE), /v1/completions, /v1/models, /tokenize, /info, /q/health,",
            "/q/metrics."
        })
public final class ServeCommand implements Callable<Integer> {
    @Option(
            names = "--checkpoint",
            paramLabel = "DIR",
            defaultValue = "${env:INRANK_SERVE_CHECKPOINT}",
            description = "A step-* checkpoint, or a run directory (its newest valid one). Default: the demo's run.")
    Path checkpoint;

    @Option(
            names = "--run",
            description = "Follow inrank.checkpoints for this run and hot-reload each new checkpoint (verified; a bad"
                    + " one is refused and the old model keeps serving).")
    String run;

    @Option(
            names = "--checkpoint-root",
            paramLabel = "DIR",
            defaultValue = "${env:INRANK_SERVE_CHECKPOINT_ROOT:-checkpoints}",
            description = "With --run: the only place checkpoints are loaded from, <DIR>/<run>/step-* (default"
                    + " ${DEFAULT-VALUE}, the trainer's --checkpoint-dir default). An event naming a path elsewhere is"
                    + " refused. INRANK_SERVE_RUN_KEY (the run's key) makes only events signed by its trainer count.")
    Path checkpointRoot;

    @Mixin
    BrokerOption broker;

    @Option(
            names = "--port",
            defaultValue = PipelineService.Ports.INFERENCE,
            description = "HTTP port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--max-concurrent-requests",
            defaultValue = "128",
            description = "Requests in flight (waiting + decoding) before 429 with Retry-After, as TGI's"
                    + " max_concurrent_requests (default ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--model-name", description = "The model id clients see (default: the run's name).")
    String modelName;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() {
        backend.check();
        Layout layout = Layout.current();
        Path ckpt = checkpoint != null ? checkpoint : layout.work("demo").resolve("checkpoints/demo");
        JavaProcess.Builder b = JavaProcess.builder("inference", layout.jvm())
                .property("inrank.serve.checkpoint", ckpt.toAbsolutePath())
                .property("inrank.serve.max-concurrent-requests", maxConcurrent)
                .property("inrank.serve.backend", backend.options().name())
                .property(
                        "inrank.serve.precision", backend.options().precision().label())
                .property("quarkus.http.port", port)
                .property("kafka.bootstrap.servers", broker.servers());
        if (run != null)
            b.property("inrank.serve.run", run)
                    .property("inrank.serve.checkpoint-root", checkpointRoot.toAbsolutePath());
        if (modelName != null) b.property("inrank.serve.model-name", modelName);
        return b.jar(layout.app(PipelineService.INFERENCE).jar()).run();
    }
}
