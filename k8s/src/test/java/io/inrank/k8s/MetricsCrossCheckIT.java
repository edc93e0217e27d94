package io.inrank.k8s;

import static org.junit.jupiter.api.Assertions.*;

import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.PipelineService;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric the Grafana dashboard and the Prometheus alert rules query is one a service really exports: the four
 * packaged services run as processes on a real broker (ingest of the built-in corpus, the controller deciding, a tiny
 * InRank run evaluating and checkpointing, the server answering), their /q/metrics are scraped, and each queried name
 * must appear in one of them.
 */
class MetricsCrossCheckIT {
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path tmp;

    @Test
    void everyQueriedMetricIsExportedByARunningService() throws Exception {
        Map<String, Set<String>> exported = new TreeMap<>();
        List<Process> running = new ArrayList<>();
        try (KafkaLocal kafka = KafkaLocal.start()) {
            String bs = kafka.bootstrapServers();
            int ingestPort = freePort();
            Process ingest = start(
                    "ingest",
                    Map.of(PipelineService.DATA_INGEST.portEnv(), "" + ingestPort),
                    "-jar",
                    jar(PipelineService.DATA_INGEST),
                    "ingest",
                    "--source",
                    "sotu",
                    "--block-length",
                    "64",
                    "--max-mb-per-s",
                    "2",
                    "--bootstrap",
                    bs);
            running.add(ingest);
            exported.put(
                    "data-ingest",
                    scrape(ingest, "ingest", ingestPort, "inrank_ingest_tokens_total", "inrank_ingest_split_progress"));
            assertTrue(
                    ingest.waitFor(300, TimeUnit.SECONDS) && ingest.exitValue() == 0,
                    "ingest finished:\n" + log("ingest"));

            int controllerPort = freePort();
            Process controller = start(
                    "controller",
                    Map.of(
                            PipelineService.RANK_CONTROLLER.portEnv(),
                            "" + controllerPort,
                            "KAFKA_BOOTSTRAP_SERVERS",
                            bs),
                    "-jar",
                    jar(PipelineService.RANK_CONTROLLER));
            running.add(controller);

            int trainerPort = freePort();
            Path ckpt = tmp.resolve("checkpoints");
            Process trainer = start(
                    "trainer",
                    Map.of(PipelineService.TRAINER.portEnv(), "" + trainerPort),
                    "-jar",
                    jar(PipelineService.TRAINER),
                    "--run",
                    "metrics",
                    "--dataset",
                    "sotu",
                    "--batch",
                    "2",
                    "--seq",
                    "64",
                    "--steps",
                    "400",
                    "--rank-warmup",
                    "2",
                    "--rank-gap",
                    "2",
                    "--eval-every",
                    "4",
                    "--eval-batches",
                    "1",
                    "--checkpoint-every",
                    "4",
                    "--checkpoint-dir",
                    ckpt.toString(),
                    "--bootstrap",
                    bs);
            running.add(trainer);
            exported.put(
                    "trainer",
                    scrape(
                            trainer,
                            "trainer",
                            trainerPort,
                            "inrank_trainer_eval_ppl",
                            "inrank_trainer_rank{",
                            "inrank_trainer_checkpoints_total{mode=\"efficient-no-resize\",run=\"metrics\"} 1"));
            exported.put(
                    "rank-controller",
                    scrape(
                            controller,
                            "controller",
                            controllerPort,
                            "inrank_controller_rank{",
                            "inrank_controller_decisions_total"));
            trainer.destroy(); // SIGTERM: checkpoint and exit
            assertTrue(trainer.waitFor(120, TimeUnit.SECONDS), "trainer stops on SIGTERM");

            int servePort = freePort();
            Process server = start(
                    "inference",
                    Map.of(
                            PipelineService.INFERENCE.portEnv(),
                            "" + servePort,
                            "INRANK_SERVE_CHECKPOINT",
                            ckpt.resolve("metrics").toString()),
                    "-jar",
                    jar(PipelineService.INFERENCE));
            running.add(server);
            String base = "http://localhost:" + servePort;
            waitFor(
                    server,
                    "inference",
                    () -> get(base + "/q/health/ready").startsWith("{")
                            && get(base + "/q/health/ready").contains("\"UP\""));
            post(base + "/generate", "{\"inputs\":\"The state of the\",\"parameters\":{\"max_new_tokens\":6}}");
            post(base + "/v1/completions", "{\"prompt\":\"Our nation\",\"max_tokens\":4,\"stream\":true}");
            exported.put(
                    "inference",
                    scrape(server, "inference", servePort, "llm_requests_total{", "llm_ttft_seconds_bucket"));
        } finally {
            for (Process p : running) {
                p.destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            }
        }

        Map<String, String> queries = MonitoringQueries.queries();
        Set<String> missing = new TreeSet<>();
        Map<String, String> from = new TreeMap<>();
        for (var q : queries.entrySet()) {
            for (String m : MonitoringQueries.metrics(q.getValue())) {
                String svc = exported.entrySet().stream()
                        .filter(e -> e.getValue().contains(m))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElse(null);
                if (svc == null) missing.add(m + " (" + q.getKey() + ")");
                else from.put(m, svc);
            }
        }
        System.out.printf(
                "metric cross-check: %d queries (dashboard panels + variables + alert rules) use %d metric names%n",
                queries.size(), from.size() + missing.size());
        from.forEach((m, svc) -> System.out.printf("  %-48s exported by %s%n", m, svc));
        assertTrue(missing.isEmpty(), "queried but exported by no running service: " + missing);
    }

    // --- processes

    private Process start(String name, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the test JVM settings of jvm.properties (passed in by the pom), with a smaller heap for each service
        cmd.addAll(List.of(System.getProperty("inrank.jvm.child").trim().split("\\s+")));
        cmd.add("-Xmx1g");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String jar(PipelineService service) {
        Path p = service.jar(Rendered.ROOT);
        assertTrue(
                Files.exists(p),
                p + " is missing: build the whole reactor (./mvnw verify) so the services are packaged");
        return p.toString();
    }

    private String log(String name) throws Exception {
        return Files.readString(tmp.resolve(name + ".log"));
    }

    /** Scrapes until every needle is in the exposition; returns the metric names it exports. */
    private Set<String> scrape(Process p, String name, int port, String... needles) throws Exception {
        String[] last = {""};
        waitFor(p, name, () -> {
            last[0] = get("http://localhost:" + port + "/q/metrics");
            for (String n : needles) if (!last[0].contains(n)) return false;
            return true;
        });
        Set<String> names = new TreeSet<>();
        for (String line : last[0].split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            names.add(line.split("[{ ]", 2)[0]);
        }
        return names;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private void waitFor(Process p, String name, Check c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (true) {
            try {
                if (c.ok()) return;
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline)
                fail(name + (p.isAlive() ? " timed out" : " exited " + p.exitValue()) + ":\n" + log(name));
            Thread.sleep(200);
        }
    }

    private static String get(String url) throws Exception {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void post(String url, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + " " + r.body());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
