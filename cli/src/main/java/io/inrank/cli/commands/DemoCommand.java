package io.inrank.cli.commands;

import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.commands.Commands;
import io.inrank.protocol.PipelineService;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole pipeline on this machine in one command: a broker, the built-in corpus ingested, the rank-controller, a
 * tiny InRank run whose ranks grow, and the server on its checkpoint. Everything lands in {@code .inrank/demo}.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole pipeline locally: broker, ingest, rank-controller, a tiny InRank run, the server.",
            "",
            "A local broker, the built-in corpus ingested, the rank-controller, a tiny InRank run (ranks growing,",
            "loss falling), then the inference server on its checkpoint with a sample request. On a terminal the",
            "server stays up until Ctrl-C. Files: .inrank/demo."
        })
public final class DemoCommand implements Callable<Integer> {
    /** The trainer's log lines the demo shows (the rest stays in trainer.log). */
    static final Pattern SHOWN = Pattern.compile("progress|rank decision|eval |checkpoint /|done|resized|rror");

    @Option(
            names = "--steps",
            defaultValue = "${env:DEMO_STEPS:-200}",
            description = "Optimizer steps of the run (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--port",
            defaultValue = "${env:DEMO_PORT:-" + PipelineService.Ports.INFERENCE + "}",
            description = "Server port; a busy one is replaced by a free one (default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--keep-serving",
            negatable = true,
            defaultValue = "${env:DEMO_KEEP_SERVING:-true}",
            fallbackValue = "true",
            description = "Keep the server up until Ctrl-C when run on a terminal (default ${DEFAULT-VALUE};"
                    + " env DEMO_KEEP_SERVING=false).")
    boolean keepServing;

    @Override
    public Integer call() throws Exception {
        Layout layout = Layout.current();
        Path work = layout.work("demo");
        deleteRecursively(work);
        Files.createDirectories(work);
        System.out.println("== 1/5 starting a local Kafka broker (KRaft, kafka-local)");
        try (LocalStack stack = LocalStack.start(layout, work)) {
            String bs = stack.bootstrap();
            System.out.printf("   broker ready on %s (log: %s)%n", bs, work.resolve("kafka/logs/broker.log"));

            System.out.println("== 2/5 ingesting the default corpus (233 State of the Union addresses) as GPT-2 BPE"
                    + " blocks of 128");
            System.out.print(stack.ingestBuiltIn("sotu", 128));
            Path shown = work.resolve("ingest-show.txt");
            JavaProcess show = JavaProcess.builder("data-ingest show", layout.jvm())
                    .jar(layout.app(PipelineService.DATA_INGEST).jar())
                    .args("show", "--bootstrap", bs, "--dataset", "sotu", "--split", "train", "--block", "0")
                    .start(shown, line -> {});
            if (show.waitFor(Duration.ofMinutes(2)) == 0) System.out.print(Files.readString(shown));

            System.out.printf("== 3/5 starting the rank-controller (log: %s)%n", work.resolve("controller.log"));
            stack.startController(0);

            System.out.printf(
                    "== 4/5 training a tiny InRank GPT (%d steps, batch 8 x 128; rank checks every 10 steps after 20;"
                            + " log: %s)%n",
                    steps, work.resolve("trainer.log"));
            Path checkpoints = work.resolve("checkpoints");
            train(layout, bs, checkpoints, work);
            try (Stream<Path> s = Files.list(checkpoints.resolve("demo"))) {
                System.out.printf(
                        "== checkpoints: %s (per-step log: %s)%n",
                        String.join(
                                " ",
                                s.map(p -> p.getFileName().toString())
                                        .filter(n -> n.startsWith("step-"))
                                        .sorted()
                                        .toList()),
                        checkpoints.resolve("demo/steps.jsonl"));
            }

            int p = portFree(port) ? port : Passthrough.freePort();
            String url = "http://localhost:" + p;
            System.out.printf("== 5/5 serving the trained model on %s (log: %s)%n", url, work.resolve("serve.log"));
            JavaProcess server = stack.own(JavaProcess.builder("inference", layout.jvm())
                    .property("quarkus.http.port", p)
                    .property("inrank.serve.checkpoint", checkpoints.resolve("demo"))
                    .property("inrank.serve.run", "demo")
                    .property("inrank.serve.checkpoint-root", checkpoints)
                    .property("kafka.bootstrap.servers", bs)
                    .jar(layout.app(PipelineService.INFERENCE).jar())
                    .start(work.resolve("serve.log")));
            server.awaitHttp(url + "/q/health/ready", Duration.ofMinutes(2));
            sample(url);
            if (keepServing && System.console() != null) {
                System.out.printf(
                        "== the server stays up: try  curl %s/v1/completions -H 'Content-Type: application/json'"
                                + " -d '{\"prompt\":\"The\",\"max_tokens\":20}'%n",
                        url);
                System.out.println("   (Ctrl-C stops server, controller and broker)");
                server.waitFor(Duration.ofDays(365));
            }
            System.out.printf("== done: server, controller and broker stop now (data in %s)%n", work);
        }
        return 0;
    }

    private void train(Layout layout, String bs, Path checkpoints, Path work) throws IOException {
        try (BufferedWriter log = Files.newBufferedWriter(work.resolve("trainer.log"), StandardCharsets.UTF_8)) {
            JavaProcess trainer = TrainCommand.trainer(
                            layout,
                            List.of(
                                    "--bootstrap",
                                    bs,
                                    "--run",
                                    "demo",
                                    "--preset",
                                    "tiny",
                                    "--mode",
                                    "efficient-no-resize",
                                    "--dataset",
                                    "sotu",
                                    "--batch",
                                    "8",
                                    "--seq",
                                    "128",
                                    "--steps",
                                    String.valueOf(steps),
                                    "--warmup-steps",
                                    "20",
                                    "--rank-warmup",
                                    "20",
                                    "--rank-gap",
                                    "10",
                                    "--eval-every",
                                    "100",
                                    "--eval-batches",
                                    "10",
                                    "--checkpoint-every",
                                    "100",
                                    "--log-every",
                                    "10",
                                    "--checkpoint-dir",
                                    checkpoints.toString()),
                            0)
                    .start(
                            work.resolve("trainer-summary.json"),
                            JavaProcess.appendTo(log).andThen(line -> {
                                if (SHOWN.matcher(line).find())
                                    System.out.println(line.replaceFirst("^[0-9:]* INFO  ", ""));
                            }));
            int code = trainer.waitFor(Duration.ofHours(6));
            if (code != 0) {
                throw new Commands.BadInputException(
                        "the training run failed (exit " + code + "; see " + work.resolve("trainer.log") + ")");
            }
        }
    }

    private static void sample(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String info = http.send(
                        HttpRequest.newBuilder(URI.create(url + "/info")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        System.out.println("   GET /info: " + info.substring(0, Math.min(220, info.length())));
        String body = "{\"inputs\":\"The Congress\",\"parameters\":{\"max_new_tokens\":24,\"do_sample\":true,"
                + "\"top_k\":40,\"seed\":1}}";
        System.out.println("   POST /generate " + body);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url + "/generate"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("   -> " + r.body());
        if (r.statusCode() != 200) throw new IllegalStateException("the sample request got HTTP " + r.statusCode());
    }

    private static boolean portFree(int port) {
        try (java.net.ServerSocket s = new java.net.ServerSocket(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
