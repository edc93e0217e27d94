package io.inrank.inference.bench;

import io.inrank.commands.BackendOption;
import io.inrank.commands.Commands;
import io.inrank.commands.PresetOption;
import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.DType;
import io.inrank.model.io.Checkpoint;
import io.inrank.protocol.PipelineService;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code inrank bench serve}: load against a running server. For each client count, every client sends requests back
 * to back for a fixed time; one JSON line per count with throughput (generated tokens/s), requests/s, p50/p99 latency
 * and errors. {@code --write-checkpoint DIR} only writes a random checkpoint of a preset at a rank to serve
 * ({@code --backend} makes it). The server's backend is its own setting ({@code inrank.serve.backend}).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Load against a running server: per client count, throughput (tokens/s), requests/s, p50/p99 latency and"
                    + " errors. --write-checkpoint DIR instead writes a random checkpoint to serve.",
            "Prints one JSON line per client count."
        })
public final class ServeBench implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Option(
            names = "--url",
            paramLabel = "URL",
            defaultValue = "http://localhost:" + PipelineService.Ports.INFERENCE,
            description = "The server to load (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = "--clients",
            paramLabel = "N",
            split = ",",
            defaultValue = "1,8,32",
            description = "Client counts, one JSON line each (default: ${DEFAULT-VALUE}).")
    int[] clients;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "20",
            description = "Measured seconds per client count (default: ${DEFAULT-VALUE}).")
    int seconds;

    // Against a cold server and client whichever count runs first measures slower; the warm-up absorbs that.
    @Option(
            names = "--warmup-seconds",
            paramLabel = "S",
            defaultValue = "10",
            description = "Unreported load first, at the largest client count; 0: none (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "32",
            description = "Tokens each request generates (default: ${DEFAULT-VALUE}).")
    int maxNew;

    @Option(
            names = "--write-checkpoint",
            paramLabel = "DIR",
            description = "Only write a random checkpoint of --preset at --rank to DIR/bench/step-000000001 and exit.")
    Path write;

    @Mixin
    PresetOption preset;

    @Option(
            names = "--rank",
            paramLabel = "R",
            defaultValue = "-1",
            description = "With --write-checkpoint: stored rank of every factored MLP layer; -1: two thirds of the"
                    + " preset's maximum (default: ${DEFAULT-VALUE}).")
    int rank;

    public static void main(String[] args) {
        Commands.exit(new ServeBench(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (write != null) {
            writeCheckpoint();
            return 0;
        }
        if (clients.length == 0 || Arrays.stream(clients).anyMatch(n -> n < 1))
            throw new ParameterException(spec.commandLine(), "--clients: counts must be at least 1");
        if (seconds < 1 || warmup < 0 || maxNew < 1)
            throw new ParameterException(
                    spec.commandLine(),
                    "--seconds and --max-new-tokens must be at least 1, --warmup-seconds at least 0");
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        if (warmup > 0) run(http, url, Arrays.stream(clients).max().orElse(1), warmup, maxNew);
        PrintWriter out = spec.commandLine().getOut();
        for (int n : clients) {
            out.println(run(http, url, n, seconds, maxNew));
            out.flush();
        }
        return 0;
    }

    private void writeCheckpoint() throws Exception {
        GptConfig cfg;
        try {
            cfg = preset.config(GptConfig.Mode.INRANK_EFFICIENT);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--preset: " + e.getMessage());
        }
        int r = rank > 0 ? rank : cfg.maxRank() * 2 / 3;
        if (r > cfg.maxRank())
            throw new ParameterException(
                    spec.commandLine(),
                    "--rank " + r + ": above the largest rank of " + preset.name() + " (" + cfg.maxRank() + ")");
        int[] stored = new int[2 * cfg.layers()];
        Arrays.fill(stored, r);
        GptModel m = new GptModel(backend.open(), cfg, 1, 1, DType.F32, 1, stored);
        Path d = write.resolve("bench").resolve("step-000000001");
        Files.createDirectories(d.getParent());
        Checkpoint.save(d, m, null, new Checkpoint.State(1, 2, 1, Map.of("run", "bench", "preset", preset.name())));
        spec.commandLine().getErr().println("wrote " + d + " (" + preset.name() + ", rank " + r + ")");
    }

    static String run(HttpClient http, String url, int clients, int seconds, int maxNew) throws Exception {
        String body = "{\"inputs\":\"The history of the\",\"parameters\":{\"max_new_tokens\":" + maxNew
                + ",\"do_sample\":true,\"seed\":%d,\"details\":true}}";
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger errors = new AtomicInteger(), tokens = new AtomicInteger(), seed = new AtomicInteger();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            fs.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    long s = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(URI.create(url + "/generate"))
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(
                                                String.format(body, seed.incrementAndGet())))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        var m = java.util.regex.Pattern.compile("\"generated_tokens\":(\\d+)")
                                .matcher(r.body());
                        if (m.find()) tokens.addAndGet(Integer.parseInt(m.group(1)));
                        latencies.add(System.nanoTime() - s);
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        double p50 = lat.length == 0 ? 0 : lat[lat.length / 2] / 1e6,
                p99 = lat.length == 0 ? 0 : lat[Math.min(lat.length - 1, (int) (lat.length * 0.99))] / 1e6;
        return String.format(
                Locale.ROOT,
                "{\"bench\":\"serve\",\"clients\":%d,\"seconds\":%.1f,\"requests\":%d,\"errors\":%d,"
                        + "\"tokens_per_s\":%.1f,\"requests_per_s\":%.2f,\"p50_ms\":%.0f,\"p99_ms\":%.0f,\"max_new_tokens\":%d}",
                clients,
                wall,
                lat.length,
                errors.get(),
                tokens.get() / wall,
                lat.length / wall,
                p50,
                p99,
                maxNew);
    }
}
