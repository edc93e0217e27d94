package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.commands.BackendOption;
import io.inrank.commands.Commands;
import io.inrank.commands.PresetOption;
import io.inrank.commands.bench.GenerateBench;
import io.inrank.protocol.PipelineService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * Serving throughput and latency per client count. Unless --url: first the single-stream line (factored at rank R
 * against its dense twin, same weights, in this JVM), then a server on a random checkpoint of the preset at rank R.
 */
@Command(
        name = "serve",
        description = {
            "Serving throughput and p50/p99 latency per client count.",
            "",
            "Against a server on a random factored checkpoint of --preset at --rank (or --url a running one), after",
            "a single-stream line (factored vs its dense twin). Load options (--clients, ...): bench serve --help."
        })
public final class BenchServe implements Callable<Integer> {
    @Option(names = "--url", description = "A running server to load (skips the single-stream line and the server).")
    String url;

    @Mixin
    PresetOption preset;

    @Option(names = "--rank", description = "Rank of every MLP factor (default: 2/3 of the maximum).")
    Integer rank;

    @Mixin
    BackendOption backend;

    @Unmatched
    List<String> rest = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        if (Passthrough.wantsHelp(rest)) return load(layout, List.of("--help")).run();
        List<String> args = new ArrayList<>(rest);
        if (url != null) {
            Passthrough.add(args, "--url", url);
            return load(layout, args).run();
        }
        List<String> model = new ArrayList<>();
        Passthrough.add(model, "--preset", preset.name());
        Passthrough.add(model, "--rank", rank);
        model.addAll(backend.check().arguments());
        int code = Commands.execute(new GenerateBench(), model.toArray(String[]::new));
        if (code != 0) return code;

        Path tmp = Files.createTempDirectory("inrank-bench-serve");
        List<String> write = new ArrayList<>(model);
        Passthrough.add(write, "--write-checkpoint", tmp);
        code = load(layout, write).run();
        if (code != 0) return code;
        int port = Passthrough.freePort();
        try (JavaProcess server = JavaProcess.builder("inference", layout.jvm())
                .heap("4g")
                .property("quarkus.http.port", port)
                .property("inrank.serve.checkpoint", tmp.resolve("bench"))
                .property("inrank.serve.backend", backend.options().name())
                .property(
                        "inrank.serve.precision", backend.options().precision().label())
                .jar(layout.app(PipelineService.INFERENCE).jar())
                .start(tmp.resolve("serve.log"))) {
            String u = "http://localhost:" + port;
            server.awaitHttp(u + "/q/health/ready", Duration.ofMinutes(2));
            Passthrough.add(args, "--url", u);
            return load(layout, args).run();
        }
    }

    private static JavaProcess.Builder load(Layout layout, List<String> args) {
        return JavaProcess.builder("serve bench", layout.jvm())
                .heap("1g")
                .tool(layout, PipelineService.Tool.SERVE_BENCH)
                .args(args);
    }
}
