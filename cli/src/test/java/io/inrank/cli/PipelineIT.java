package io.inrank.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inrank.cli.commands.TrainCommand;
import io.inrank.cli.launch.JavaProcess;
import io.inrank.cli.launch.Layout;
import io.inrank.cli.launch.LocalStack;
import io.inrank.protocol.CheckpointEvent;
import io.inrank.protocol.KafkaClientConfig;
import io.inrank.protocol.Messages;
import io.inrank.protocol.RankDecision;
import io.inrank.protocol.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline as separate processes on a real broker, started the way the demo starts them (LocalStack): the
 * packaged data-ingest publishes a text fixture, the packaged rank-controller decides, the packaged trainer trains a
 * tiny InRank model. Checks that ranks grow at exactly the step a decision names, that checkpoints are announced, and
 * that a trainer killed with SIGKILL and restarted produces the same loss at every step as a run never stopped.
 */
class PipelineIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern HTTP_PORT = Pattern.compile("Listening on: http://[^:]+:(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void ingestControllerTrainerAndAKilledRunResumesExactly() throws Exception {
        Layout layout = Layout.current();
        try (LocalStack stack = LocalStack.start(layout, tmp)) {
            String bs = stack.bootstrap();
            Path text = corpus(tmp.resolve("corpus"));
            stack.ingest(List.of("--source", text.toString(), "--dataset", "e2e", "--block-length", "16"));
            stack.startController(0);

            Path ckpt = tmp.resolve("checkpoints");
            assertEquals(0, trainer(layout, "e2e-a", bs, ckpt).waitFor(Duration.ofMinutes(5)), "uninterrupted run");
            Map<Long, JsonNode> a = steps(ckpt.resolve("e2e-a"));
            assertEquals(24, a.size());

            // ranks grow, and exactly at the step after the decision's step
            List<RankDecision> decisions = read(bs, Topics.RANK_DECISIONS, RankDecision.class, "e2e-a");
            assertEquals(
                    List.of(8L, 12L, 16L, 20L, 24L),
                    decisions.stream().map(RankDecision::step).toList());
            RankDecision grow = decisions.stream()
                    .filter(d -> d.layers().stream().anyMatch(l -> l.newRank() > l.previousRank()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no rank increase in " + decisions));
            List<Integer> before = ranks(a.get(grow.step())), after = ranks(a.get(grow.step() + 1));
            for (int i = 0; i < grow.layers().size(); i++) {
                assertEquals(grow.layers().get(i).previousRank(), before.get(i), "step " + grow.step() + ": old rank");
                assertEquals(grow.layers().get(i).newRank(), after.get(i), "step " + (grow.step() + 1) + ": new rank");
            }
            assertTrue(a.get(24L).get("loss").asDouble() < a.get(1L).get("loss").asDouble() - 0.5, "the loss falls");

            List<CheckpointEvent> events = read(bs, Topics.CHECKPOINTS, CheckpointEvent.class, "e2e-a");
            assertEquals(
                    List.of(8L, 16L, 24L),
                    events.stream().map(CheckpointEvent::step).toList());
            assertTrue(events.get(2).eval().get("test_ppl") > 1);

            // the same run killed with SIGKILL after its step-8 checkpoint, then restarted
            JavaProcess b = trainer(layout, "e2e-b", bs, ckpt);
            Path bSteps = ckpt.resolve("e2e-b").resolve("steps.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!(Files.exists(bSteps) && steps(ckpt.resolve("e2e-b")).containsKey(11L))) {
                assertTrue(b.isAlive() && System.nanoTime() < deadline, "run b did not reach step 11");
                Thread.sleep(20);
            }
            // while it trains: Prometheus metrics and the status endpoint of the real process
            String base = "http://localhost:"
                    + b.awaitLine(HTTP_PORT, Duration.ofSeconds(60)).group(1);
            String metrics = get(base + "/q/metrics");
            for (String m : List.of(
                    "inrank_trainer_loss{mode=\"efficient-no-resize\",run=\"e2e-b\"}",
                    "inrank_trainer_rank{layer=\"h.1.mlp.fc2\",mode=\"efficient-no-resize\",run=\"e2e-b\"}",
                    "inrank_trainer_tokens_per_second{mode=\"efficient-no-resize\",run=\"e2e-b\"}",
                    "inrank_trainer_step_time_seconds_count{mode=\"efficient-no-resize\",run=\"e2e-b\"}",
                    "inrank_trainer_decision_timeouts_total{mode=\"efficient-no-resize\",run=\"e2e-b\"} 0.0")) {
                assertTrue(metrics.contains(m), m + " in\n" + metrics);
            }
            JsonNode status = JSON.readTree(get(base + "/run"));
            assertEquals("e2e-b", status.get("run").asText());
            assertEquals("training", status.get("state").asText());
            assertTrue(status.get("step").asLong() >= 11, status.toString());
            b.kill();
            long reached = steps(ckpt.resolve("e2e-b")).keySet().stream()
                    .mapToLong(Long::longValue)
                    .max()
                    .orElseThrow();
            assertTrue(reached < 24, "killed mid-run (at step " + reached + ")");
            assertEquals(0, trainer(layout, "e2e-b", bs, ckpt).waitFor(Duration.ofMinutes(5)), "restarted run");
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

            brokerOutage(layout, stack, ckpt);
        }
    }

    /**
     * The broker stops at step 10 of a 48-step run and is back 15 s later. Every rank check stays within
     * --decision-timeout-ms (sending the report included), the run finishes, every checkpoint is announced, and the
     * controller answers again once the broker is back.
     */
    private void brokerOutage(Layout layout, LocalStack stack, Path ckpt) throws Exception {
        long limitMs = 2000;
        Path log = tmp.resolve("trainer-e2e-c.log");
        JavaProcess c = TrainCommand.trainer(
                        layout,
                        args(
                                "e2e-c",
                                "e2e",
                                stack.bootstrap(),
                                ckpt,
                                "48",
                                "--decision-timeout-ms",
                                String.valueOf(limitMs)),
                        0)
                .heap("1g")
                .start(log);
        Path cSteps = ckpt.resolve("e2e-c").resolve("steps.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!(Files.exists(cSteps) && steps(ckpt.resolve("e2e-c")).containsKey(10L))) {
            assertTrue(c.isAlive() && System.nanoTime() < deadline, "run c did not reach step 10");
            Thread.sleep(20);
        }
        stack.stopBroker();
        long down = System.nanoTime();
        Thread.sleep(15_000);
        long reachedWhileDown = steps(ckpt.resolve("e2e-c")).keySet().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElseThrow();
        stack.startBroker();
        System.out.printf(
                "broker down for %.1f s, from step 10 to step %d%n",
                (System.nanoTime() - down) / 1e9, reachedWhileDown);
        assertEquals(0, c.waitFor(Duration.ofMinutes(5)), "the run survives the outage");

        String out = Files.readString(log);
        var gaveUp = Pattern.compile("rank check gave up after (\\d+) ms \\(limit " + limitMs + " ms\\): ([^;]+)")
                .matcher(out);
        int checks = 0;
        while (gaveUp.find()) {
            checks++;
            long ms = Long.parseLong(gaveUp.group(1));
            System.out.println("rank check during the outage: " + ms + " ms, " + gaveUp.group(2));
            assertTrue(ms <= limitMs + 500, "a rank check took " + ms + " ms, limit " + limitMs + ":\n" + out);
        }
        assertTrue(checks >= 1, "no rank check fell into the outage:\n" + out);

        List<CheckpointEvent> events = read(stack.bootstrap(), Topics.CHECKPOINTS, CheckpointEvent.class, "e2e-c");
        assertEquals(
                List.of(8L, 16L, 24L, 32L, 40L, 48L),
                events.stream().map(CheckpointEvent::step).toList(),
                "every checkpoint announced, none lost or repeated");
        // the last report went out with the broker back: the controller, reconnected, answers it
        long answered = 0, until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answered < 48 && System.nanoTime() < until) {
            answered = read(stack.bootstrap(), Topics.RANK_DECISIONS, RankDecision.class, "e2e-c").stream()
                    .mapToLong(RankDecision::step)
                    .max()
                    .orElse(0);
            if (answered < 48) Thread.sleep(500);
        }
        assertEquals(48, answered, "the controller answers again after the outage");
    }

    private JavaProcess trainer(Layout layout, String run, String bs, Path ckpt) {
        return TrainCommand.trainer(layout, args(run, "e2e", bs, ckpt, "24"), 0)
                .heap("1g")
                .start(tmp.resolve("trainer-" + run + "-" + System.nanoTime() + ".log"));
    }

    /** A tiny InRank run's flags: rank checks every 4 steps from step 8, checkpoints every 8; {@code extra} wins. */
    static List<String> args(String run, String dataset, String bs, Path ckpt, String steps, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--run",
                run,
                "--dataset",
                dataset,
                "--batch",
                "2",
                "--seq",
                "16",
                "--steps",
                steps,
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
        args.addAll(List.of(extra));
        return args;
    }

    /** Every record of {@code topic} keyed by {@code run}, decoded, in order. */
    static <T> List<T> read(String bootstrap, String topic, Class<T> type, String run) throws Exception {
        return read(KafkaClientConfig.of(bootstrap), topic, type, run);
    }

    static <T> List<T> read(KafkaClientConfig kafka, String topic, Class<T> type, String run) throws Exception {
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = kafka.consumer("it", Map.of())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(run)) {
                        out.add(Messages.decode(r.value(), type));
                    }
                }
            }
        }
        return out;
    }

    static String get(String url) throws Exception {
        HttpResponse<String> resp = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
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
        String[] words = ("the of and to in a is that for it as was with be by on not he this are or his from at which"
                        + " but have an they you were her she there been one all we their has would when if so no will"
                        + " more can who out up about into")
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
