package io.inrank.trainer;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.kafka.KafkaLocal;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as separate processes on a real broker: the packaged data-ingest publishes a text fixture, the packaged
 * rank-controller decides, the packaged trainer trains a tiny InRank model. Checks that ranks grow at exactly the
 * step a decision names, that checkpoints are announced, and that a trainer killed with SIGKILL and restarted
 * produces the same loss at every step as a run that was never stopped.
 */
class TrainerPipelineIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void ingestControllerTrainerAndAKilledRunResumesExactly() throws Exception {
        try (KafkaLocal kafka = KafkaLocal.start()) {
            String bs = kafka.bootstrapServers();
            Path text = corpus(tmp.resolve("corpus"));
            Process ingest = start(
                    "ingest",
                    List.of(
                            "-jar",
                            System.getProperty("ingest.jar"),
                            "ingest",
                            "--source",
                            text.toString(),
                            "--dataset",
                            "e2e",
                            "--block-length",
                            "16",
                            "--bootstrap",
                            bs));
            assertEquals(0, exit(ingest, "ingest", 120), "ingest");

            Process controller = start(
                    "controller",
                    List.of(
                            "-Dkafka.bootstrap.servers=" + bs,
                            "-Dquarkus.http.port=0",
                            "-jar",
                            System.getProperty("controller.jar")));
            try {
                Path ckpt = tmp.resolve("checkpoints");
                assertEquals(0, exit(trainer("e2e-a", bs, ckpt), lastName(), 300), "uninterrupted run");
                Map<Long, JsonNode> a = steps(ckpt.resolve("e2e-a"));
                assertEquals(24, a.size());

                // ranks grow, and exactly at the step after the decision's step
                List<RankDecision> decisions = Fixtures.read(bs, Topics.RANK_DECISIONS, RankDecision.class, "e2e-a");
                assertEquals(
                        List.of(8L, 12L, 16L, 20L, 24L),
                        decisions.stream().map(RankDecision::step).toList());
                RankDecision grow = decisions.stream()
                        .filter(d -> d.layers().stream().anyMatch(l -> l.newRank() > l.previousRank()))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no rank increase in " + decisions));
                List<Integer> before = ranks(a.get(grow.step())), after = ranks(a.get(grow.step() + 1));
                for (int i = 0; i < grow.layers().size(); i++) {
                    assertEquals(
                            grow.layers().get(i).previousRank(),
                            before.get(i),
                            "step " + grow.step() + " still trains the old rank");
                    assertEquals(
                            grow.layers().get(i).newRank(),
                            after.get(i),
                            "step " + (grow.step() + 1) + " trains the decided rank");
                }
                assertTrue(
                        a.get(24L).get("loss").asDouble()
                                < a.get(1L).get("loss").asDouble() - 0.5,
                        "the loss falls");

                List<CheckpointEvent> events = Fixtures.read(bs, Topics.CHECKPOINTS, CheckpointEvent.class, "e2e-a");
                assertEquals(
                        List.of(8L, 16L, 24L),
                        events.stream().map(CheckpointEvent::step).toList());
                assertTrue(events.get(2).eval().get("test_ppl") > 1);

                // the same run killed with SIGKILL after its step-8 checkpoint, then restarted
                Process b = trainer("e2e-b", bs, ckpt);
                String bLog = lastLog;
                Path bSteps = ckpt.resolve("e2e-b").resolve("steps.jsonl");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (!(Files.exists(bSteps) && steps(ckpt.resolve("e2e-b")).containsKey(11L))) {
                    assertTrue(b.isAlive() && System.nanoTime() < deadline, "run b did not reach step 11");
                    Thread.sleep(20);
                }
                // while it trains: Prometheus metrics and the status endpoint of the real process
                String base = "http://localhost:" + httpPort(tmp.resolve(bLog));
                String metrics = get(base + "/q/metrics");
                for (String m : List.of(
                        "inrank_trainer_loss{run=\"e2e-b\"}",
                        "inrank_trainer_rank{layer=\"h.1.mlp.fc2\",run=\"e2e-b\"}",
                        "inrank_trainer_tokens_per_second{run=\"e2e-b\"}",
                        "inrank_trainer_step_time_seconds_count{run=\"e2e-b\"}",
                        "inrank_trainer_decision_timeouts_total{run=\"e2e-b\"} 0.0")) {
                    assertTrue(metrics.contains(m), m + " in\n" + metrics);
                }
                JsonNode status = JSON.readTree(get(base + "/run"));
                assertEquals("e2e-b", status.get("run").asText());
                assertEquals("training", status.get("state").asText());
                assertTrue(status.get("step").asLong() >= 11, status.toString());
                b.destroyForcibly().waitFor();
                long reached = steps(ckpt.resolve("e2e-b")).keySet().stream()
                        .mapToLong(Long::longValue)
                        .max()
                        .orElseThrow();
                assertTrue(reached < 24, "killed mid-run (at step " + reached + ")");
                assertEquals(0, exit(trainer("e2e-b", bs, ckpt), lastName(), 300), "restarted run");
                Map<Long, JsonNode> resumed = steps(ckpt.resolve("e2e-b"));
                for (long t = 1; t <= 24; t++) {
                    assertEquals(
                            a.get(t).get("loss").asDouble(),
                            resumed.get(t).get("loss").asDouble(),
                            "loss at step " + t);
                    assertEquals(ranks(a.get(t)), ranks(resumed.get(t)), "ranks at step " + t);
                }
                System.out.printf(
                        "killed at step %d of 24; the restarted run matched all 24 losses (last %.6f)%n",
                        reached, resumed.get(24L).get("loss").asDouble());
            } finally {
                controller.destroy();
                controller.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private String lastLog;

    /** The log name (without .log) of the trainer started last. */
    private String lastName() {
        return lastLog.substring(0, lastLog.length() - 4);
    }

    private Process trainer(String run, String bs, Path ckpt) throws Exception {
        lastLog = "trainer-" + run + "-" + System.nanoTime() + ".log";
        return start(
                lastLog.substring(0, lastLog.length() - 4),
                List.of(
                        "-Dquarkus.http.port=0",
                        "-jar",
                        System.getProperty("trainer.jar"),
                        "--run",
                        run,
                        "--dataset",
                        "e2e",
                        "--batch",
                        "2",
                        "--seq",
                        "16",
                        "--steps",
                        "24",
                        "--warmup-steps",
                        "2",
                        "--lr",
                        "3e-3",
                        "--rank-warmup",
                        "4",
                        "--rank-gap",
                        "4",
                        "--buffer",
                        "8",
                        "--checkpoint-every",
                        "8",
                        "--eval-every",
                        "0",
                        "--eval-batches",
                        "2",
                        "--checkpoint-dir",
                        ckpt.toString(),
                        "--log-every",
                        "8",
                        "--bootstrap",
                        bs));
    }

    private Process start(String name, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // the test JVM settings of jvm.properties (passed in by the pom), with a smaller heap for each service
        cmd.addAll(List.of(System.getProperty("inrank.jvm.child").trim().split("\\s+")));
        cmd.add("-Xmx1g");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        return pb.start();
    }

    private int exit(Process p, String name, int seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(name + " did not finish in " + seconds + " s:\n" + Files.readString(tmp.resolve(name + ".log")));
        }
        if (p.exitValue() != 0) System.err.println(Files.readString(tmp.resolve(name + ".log")));
        return p.exitValue();
    }

    /** The port a Quarkus process logged ("Listening on: http://0.0.0.0:PORT"). */
    static int httpPort(Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            var m = java.util.regex.Pattern.compile("Listening on: http://[^:]+:(\\d+)")
                    .matcher(Files.readString(log));
            if (m.find()) return Integer.parseInt(m.group(1));
            Thread.sleep(100);
        }
        throw new AssertionError("no HTTP port in " + log);
    }

    static String get(String url) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var resp = client.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), url + ": " + resp.body());
        return resp.body();
    }

    /** The last record of every step in a run's steps.jsonl (a resumed run repeats the steps since its checkpoint). */
    static Map<Long, JsonNode> steps(Path runDir) throws Exception {
        Map<Long, JsonNode> out = new TreeMap<>();
        for (String line : Files.readAllLines(runDir.resolve("steps.jsonl"))) {
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (Exception e) {
                continue; // a line cut by SIGKILL
            }
            if (!n.has("eval") && n.has("loss")) out.put(n.get("step").asLong(), n);
        }
        return out;
    }

    static List<Integer> ranks(JsonNode step) {
        List<Integer> r = new ArrayList<>();
        step.get("ranks").forEach(x -> r.add(x.asInt()));
        return r;
    }

    /** A text corpus with a small vocabulary, so a tiny model learns something in a few steps. */
    static Path corpus(Path dir) throws Exception {
        Files.createDirectories(dir);
        String[] words =
                ("the of and to in a is that for it as was with be by on not he this are or his from at which but have an "
                                + "they you were her she there been one all we their has would when if so no will more can who out up about into")
                        .split(" ");
        SplittableRandom r = new SplittableRandom(11);
        for (String split : List.of("train", "validation", "test")) {
            StringBuilder sb = new StringBuilder();
            int lines = split.equals("train") ? 600 : 60;
            for (int i = 0; i < lines; i++) {
                int n = 5 + r.nextInt(10);
                for (int w = 0; w < n; w++) sb.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
                sb.append(" .\n");
            }
            Files.writeString(dir.resolve(split + ".txt"), sb.toString());
        }
        return dir;
    }
}
