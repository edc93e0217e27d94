package io.inrank.inference.bench;

import io.inrank.model.GptConfig;
import io.inrank.model.GptModel;
import io.inrank.model.backend.Backends;
import io.inrank.model.backend.DType;
import io.inrank.model.io.Checkpoint;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./inrank bench serve}: load against a running server — for each client count, every client sends requests
 * back to back for a fixed time; one JSON line per count with throughput (generated tokens/s), requests/s, p50/p99
 * latency and errors. {@code --write-checkpoint DIR} only writes a random checkpoint of a preset at a rank to serve
 * ({@code --backend} makes it). The server's backend is its own setting ({@code inrank.serve.backend}).
 * Options: --url http://localhost:8080 --clients 1,8,32 --seconds 20 --max-new-tokens 32 --warmup-seconds 10. The warm-up
 * (at the largest client count, not reported) matters: measured cold, whichever count runs first looked ~25 % slower.
 */
public final class ServeBench {
    public static void main(String[] args) throws Exception {
        String url = "http://localhost:8080", preset = "tiny", write = null, backend = null;
        int[] clients = {1, 8, 32};
        int seconds = 20, maxNew = 32, rank = -1, warmup = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--clients" ->
                    clients = Arrays.stream(args[++i].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                case "--max-new-tokens" -> maxNew = Integer.parseInt(args[++i]);
                case "--write-checkpoint" -> write = args[++i];
                case "--preset" -> preset = args[++i];
                case "--rank" -> rank = Integer.parseInt(args[++i]);
                case "--backend" -> backend = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (write != null) {
            GptConfig cfg = GptConfig.preset(preset, GptConfig.Mode.INRANK_EFFICIENT);
            int r = rank > 0 ? rank : cfg.maxRank() * 2 / 3;
            int[] stored = new int[2 * cfg.layers()];
            Arrays.fill(stored, r);
            GptModel m = new GptModel(Backends.open(backend), cfg, 1, 1, DType.F32, 1, stored);
            Path d = Path.of(write).resolve("bench").resolve("step-000000001");
            Files.createDirectories(d.getParent());
            Checkpoint.save(d, m, null, new Checkpoint.State(1, 2, 1, Map.of("run", "bench", "preset", preset)));
            System.err.println("wrote " + d + " (" + preset + ", rank " + r + ")");
            return;
        }
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        if (warmup > 0) run(http, url, Arrays.stream(clients).max().orElse(1), warmup, maxNew);
        for (int n : clients) System.out.println(run(http, url, n, seconds, maxNew));
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
